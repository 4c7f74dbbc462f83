/* RTLD_NEXT: the main's hook wraps libhook1.so's, which wraps libhook2.so's
 * (search continues after the calling module in the global load order). */
#include <dlfcn.h>
#include <stdio.h>

int hook2_has_next(void);

int hook(int x) {
  int (*next)(int) = (int (*)(int))dlsym(RTLD_NEXT, "hook");
  return next ? next(x) + 1 : -1;
}

int main(void) {
  printf("hook(5) = %d\n", hook(5));
  int (*d)(int) = (int (*)(int))dlsym(RTLD_DEFAULT, "hook");
  printf("RTLD_DEFAULT hook is the main's: %d\n", d == hook);
  printf("libhook2 sees no next hook: %d\n", hook2_has_next() == 0);
  printf("RTLD_NEXT from main for a missing name is NULL: %d\n", dlsym(RTLD_NEXT, "no_such_hook") == NULL);
  return 0;
}
