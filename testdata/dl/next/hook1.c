/* libhook1.so (linked at startup before libhook2.so): its hook wraps the next one. */
#include <dlfcn.h>
int hook(int x) {
  int (*next)(int) = (int (*)(int))dlsym(RTLD_NEXT, "hook");
  return next ? next(x) + 10 : -1000;
}
