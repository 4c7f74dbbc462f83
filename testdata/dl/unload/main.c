/* dlclose really unloads: destructor and atexit handler run at dlclose, the
 * dependency loaded only for the library goes with it, reopening reruns
 * constructors with fresh state; a library left open is finalised at exit. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *s = dlopen("./libstay.so", RTLD_NOW);
  printf("libstay.so opened: %d\n", s != NULL);
  for (int round = 1; round <= 2; round++) {
    printf("-- round %d: dlopen\n", round);
    void *h = dlopen("./libu.so", RTLD_NOW);
    printf("libu.so opened: %d\n", h != NULL);
    int (*bump)(void) = (int (*)(void))dlsym(h, "u_bump");
    printf("u_bump() = %d\n", bump());
    printf("u_bump() = %d\n", bump());
    printf("-- dlclose\n");
    printf("dlclose = %d\n", dlclose(h));
    printf("-- after dlclose\n");
    printf("libu.so unloaded: %d\n", dlopen("./libu.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    printf("libudep.so unloaded: %d\n", dlopen("./libudep.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
    dlerror();
  }
  printf("main returns\n");
  return 0;
}
