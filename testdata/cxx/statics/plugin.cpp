// libsplugin.so: opened with dlopen, closed with dlclose. A static object,
// a C destructor and an atexit handler registered by a constructor. No
// function-local static object with a destructor: glibc's dlclose runs the
// C destructors (.fini_array) before every __cxa_atexit handler of the
// library, and in wasm C destructors are __cxa_atexit handlers too, made
// by the constructors, so one registered later (on first use) runs first.
#include <cstdio>
#include <cstdlib>

#include "tracer.h"

int counter_next();


static Tracer plugin_static("plugin static");

static void plugin_atexit() { std::printf("plugin: atexit handler from its constructor\n"); }
__attribute__((constructor)) static void plugin_ctor() { std::atexit(plugin_atexit); }
__attribute__((destructor)) static void plugin_dtor() { std::printf("plugin: C destructor\n"); }

extern "C" int plugin_use() {
  static int calls = counter_next(); // a guarded dynamic initialisation
  return counter_next() * 100 + calls;
}
