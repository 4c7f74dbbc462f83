/* RTLD_GLOBAL: libprov.so's symbols serve a library opened after it and
 * dlsym(RTLD_DEFAULT). */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *p = dlopen("./libprov.so", RTLD_NOW | RTLD_GLOBAL);
  printf("libprov.so opened GLOBAL: %d\n", p != NULL);
  void *f = dlsym(RTLD_DEFAULT, "prov_fn");
  printf("RTLD_DEFAULT prov_fn found: %d\n", f != NULL);
  printf("RTLD_DEFAULT prov_fn == handle's: %d\n", f == dlsym(p, "prov_fn"));
  int *d = (int *)dlsym(RTLD_DEFAULT, "prov_data");
  printf("RTLD_DEFAULT prov_data == handle's: %d\n", d != NULL && d == (int *)dlsym(p, "prov_data"));
  void *u = dlopen("./libuser.so", RTLD_NOW);
  printf("libuser.so opened: %d\n", u != NULL);
  if (!u) return 1;
  int (*use)(int) = (int (*)(int))dlsym(u, "use");
  printf("use(1) = %d\n", use(1));
  *d = 5;
  printf("use(1) after prov_data = 5: %d\n", use(1));
  printf("dlclose user = %d\n", dlclose(u));
  printf("dlclose prov = %d\n", dlclose(p));
  return 0;
}
