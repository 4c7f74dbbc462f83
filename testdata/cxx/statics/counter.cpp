// libcounter.so (loaded at startup): a function-local static object built
// on first use, a namespace-scope static object, and a C destructor.
#include <cstdio>

#include "tracer.h"

static Tracer counter_static("libcounter static");

int counter_next() {
  static Tracer lazy("libcounter function-local static");
  static int n = 0;
  return ++n;
}

__attribute__((destructor)) static void counter_dtor() { std::printf("libcounter: C destructor\n"); }
