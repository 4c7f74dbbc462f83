/* libopener.so: its constructor dlopens libinner.so (RTLD_GLOBAL) and calls
 * into it; its destructor closes it. It also reopens itself. */
#include <dlfcn.h>
#include <stdio.h>
static void *inner;
int opener_ctor_saw = -1;
__attribute__((constructor)) static void opener_ctor(void) {
  inner = dlopen("./libinner.so", RTLD_NOW | RTLD_GLOBAL);
  int (*f)(int) = inner ? (int (*)(int))dlsym(inner, "inner_twice") : 0;
  opener_ctor_saw = f ? f(21) : -1;
  printf("opener ctor: libinner.so %s, inner_twice(21) = %d\n", inner ? "opened" : "missing", opener_ctor_saw);
}
__attribute__((destructor)) static void opener_dtor(void) {
  printf("opener dtor: closing libinner.so = %d\n", dlclose(inner));
}
int opener_self_reopen(void) {
  void *me = dlopen("./libopener.so", RTLD_NOW | RTLD_NOLOAD);
  void *again = dlopen("./libopener.so", RTLD_NOW);
  int same = me != NULL && me == again;
  dlclose(again);
  dlclose(me);
  return same;
}
