/* recursive: dlopen inside a constructor that runs inside another dlopen
 * of the same library (libra.so -> librb.so -> libra.so). The inner
 * dlopen returns the library being opened; closing it there must not
 * unload it, and the reference librb.so keeps holds it after the main's
 * dlclose. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *a = dlopen("./libra.so", RTLD_NOW);
  printf("main: libra.so %s\n", a ? "opened" : "failed");
  if (!a) return 1;
  void *b = dlopen("./librb.so", RTLD_NOW | RTLD_NOLOAD);
  printf("main: librb.so loaded: %d\n", b != NULL);
  int (*call)(void) = (int (*)(void))dlsym(b, "rb_call_ra");
  printf("rb_call_ra() = %d\n", call());
  dlclose(b);
  printf("dlclose(libra.so) = %d\n", dlclose(a));
  void *still = dlopen("./libra.so", RTLD_NOW | RTLD_NOLOAD);
  printf("libra.so still loaded (librb.so holds it): %d\n", still != NULL);
  if (still) {
    printf("ra_get() = %d\n", ((int (*)(void))dlsym(still, "ra_get"))());
    dlclose(still);
  }
  printf("rb_call_ra() = %d\n", call());
  return 0;
}
