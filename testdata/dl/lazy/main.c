/* lazy: glibc's lazy binding. libneedy.so, opened with RTLD_LAZY, imports
 * a function nobody defines yet; a library opened afterwards with
 * RTLD_GLOBAL defines it, and libneedy.so's first call finds it. The lookup
 * makes libneedy.so depend on libprov.so, which then outlives its own
 * dlclose until libneedy.so goes. (Calling it before would end the process
 * with "symbol lookup error", natively as in wasm.) */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *n = dlopen("./libneedy.so", RTLD_LAZY);
  printf("libneedy.so opened lazily: %d\n", n != NULL);
  void *again = dlopen("./libneedy.so", RTLD_NOW | RTLD_NOLOAD);
  printf("RTLD_NOLOAD finds it: %d\n", again == n);
  dlclose(again);
  int (*ok)(void) = (int (*)(void))dlsym(n, "needy_ok");
  printf("needy_ok() = %d\n", ok());
  void *p = dlopen("./libprov.so", RTLD_NOW | RTLD_GLOBAL);
  printf("libprov.so opened: %d\n", p != NULL);
  int (*f)(int) = (int (*)(int))dlsym(n, "needy");
  printf("needy(4) = %d\n", f(4));
  printf("needy(5) = %d\n", f(5));
  printf("dlclose(libprov.so) = %d\n", dlclose(p));
  printf("libprov.so still loaded: %d\n", dlopen("./libprov.so", RTLD_NOW | RTLD_NOLOAD) != NULL);
  dlclose(p); /* the NOLOAD reference */
  printf("needy(6) = %d\n", f(6));
  printf("closing libneedy.so\n");
  printf("dlclose(libneedy.so) = %d\n", dlclose(n));
  printf("libprov.so unloaded: %d\n", dlopen("./libprov.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  return 0;
}
