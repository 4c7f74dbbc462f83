// Static objects in C++ across shared libraries: function-local statics
// built on first use (also from another library), namespace-scope statics,
// C destructors and atexit handlers, in the main, a library loaded at
// startup and a plugin, finalised by dlclose; the rest at exit.
//
// wasm has no .fini_array: clang registers a C destructor with __cxa_atexit
// from the constructors, with a NULL argument, exactly as it registers a
// C++ static object's destructor, so a module that has both cannot have
// them ordered as glibc does (C destructors from .fini_array after the
// exit handlers, for a main or a library left open at exit). The main
// therefore has no C destructor, and the plugin is closed before exit.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "tracer.h"

int counter_next();


static Tracer main_static("main static");
static void main_atexit() { std::printf("main: atexit handler\n"); }

int main() {
  std::printf("main starts\n");
  std::printf("counter_next() = %d\n", counter_next());
  std::printf("counter_next() = %d\n", counter_next());
  void *h = dlopen("./libsplugin.so", RTLD_NOW);
  if (!h) {
    std::printf("dlopen: %s\n", dlerror());
    return 1;
  }
  auto use = reinterpret_cast<int (*)()>(dlsym(h, "plugin_use"));
  std::printf("plugin_use() = %d\n", use());
  std::printf("plugin_use() = %d\n", use());
  std::printf("dlclose = %d\n", dlclose(h));
  std::atexit(main_atexit);
  std::printf("main returns\n");
  return 0;
}
