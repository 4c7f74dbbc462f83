/* Reopening returns the same handle and counts references; the library is
 * unloaded only when the count reaches zero; reopening then gives fresh state. */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*ifn)(void);
typedef void (*vfn)(void);

static int bump(void *h) { return ((ifn)dlsym(h, "bump"))(); }

int main(void) {
  void *h1 = dlopen("./libcounter.so", RTLD_NOW);
  printf("open 1 non-NULL: %d\n", h1 != NULL);
  void *h2 = dlopen("./libcounter.so", RTLD_NOW);
  printf("open 2 same handle: %d\n", h2 == h1);
  void *h3 = dlopen("libcounter.so", RTLD_NOW);
  printf("open 3 by bare name same handle: %d\n", h3 == h1);
  printf("bump = %d\n", bump(h1));
  printf("bump = %d\n", bump(h2));
  ((vfn)dlsym(h1, "big_fill"))();
  printf("big zero after fill: %d\n", ((ifn)dlsym(h1, "big_zero"))());
  printf("dlclose = %d\n", dlclose(h3));
  printf("dlclose = %d\n", dlclose(h2));
  printf("still loaded (NOLOAD): %d\n", dlopen("./libcounter.so", RTLD_NOW | RTLD_NOLOAD) == h1);
  printf("dlclose (NOLOAD ref) = %d\n", dlclose(h1));
  printf("bump after two closes = %d\n", bump(h1));
  printf("dlclose last = %d\n", dlclose(h1));
  printf("unloaded (NOLOAD is NULL): %d\n", dlopen("./libcounter.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  dlerror();
  void *h4 = dlopen("./libcounter.so", RTLD_NOW);
  printf("reopen non-NULL: %d\n", h4 != NULL);
  printf("bump after reopen = %d\n", bump(h4));
  printf("big zero after reopen: %d\n", ((ifn)dlsym(h4, "big_zero"))());
  printf("dlclose = %d\n", dlclose(h4));
  return 0;
}
