/* librb.so: its constructor opens libra.so (being opened: the same
 * handle, data already relocated), twice, and closes one of them: the
 * other reference keeps libra.so loaded after the main closes it. */
#include <dlfcn.h>
#include <stdio.h>
static void *ra;
__attribute__((constructor)) static void rb_ctor(void) {
  printf("rb ctor starts\n");
  ra = dlopen("./libra.so", RTLD_NOW);
  void *again = dlopen("./libra.so", RTLD_NOW);
  printf("rb ctor: libra.so %s, same handle %d\n", ra ? "handle" : "NULL", ra == again);
  int *v = ra ? (int *)dlsym(ra, "ra_value") : NULL;
  printf("rb ctor: ra_value = %d\n", v ? *v : -1);
  printf("rb ctor: dlclose = %d\n", dlclose(again));
}
int rb_call_ra(void) {
  int (*get)(void) = (int (*)(void))dlsym(ra, "ra_get");
  return get ? get() * 2 : -1;
}
