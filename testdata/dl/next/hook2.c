/* libhook2.so: the last hook; nothing comes after it. */
#include <dlfcn.h>
#include <stddef.h>
int hook(int x) { return x * 2; }
int hook2_has_next(void) { return dlsym(RTLD_NEXT, "hook") != NULL; }
