// A static object that says when it is constructed and destroyed.
#include <cstdio>

struct Tracer {
  const char *name;
  explicit Tracer(const char *n) : name(n) { std::printf("%s: constructed\n", name); }
  ~Tracer() { std::printf("%s: destroyed\n", name); }
};
