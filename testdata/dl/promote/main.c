/* Promotion: libprov.so opened RTLD_LOCAL does not serve libuser.so; after
 * reopening it with RTLD_NOLOAD | RTLD_GLOBAL it does. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *p = dlopen("./libprov.so", RTLD_NOW | RTLD_LOCAL);
  printf("libprov.so opened LOCAL: %d\n", p != NULL);
  printf("RTLD_DEFAULT prov_fn is NULL: %d\n", dlsym(RTLD_DEFAULT, "prov_fn") == NULL);
  dlerror();
  void *u = dlopen("./libuser.so", RTLD_NOW);
  printf("libuser.so opened: %d\n", u != NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  void *p2 = dlopen("./libprov.so", RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  printf("promoted, same handle: %d\n", p2 == p);
  printf("RTLD_DEFAULT prov_fn found: %d\n", dlsym(RTLD_DEFAULT, "prov_fn") != NULL);
  u = dlopen("./libuser.so", RTLD_NOW);
  printf("libuser.so opened: %d\n", u != NULL);
  if (!u) return 1;
  printf("use(1) = %d\n", ((int (*)(int))dlsym(u, "use"))(1));
  printf("dlclose user = %d\n", dlclose(u));
  printf("dlclose prov = %d\n", dlclose(p2));
  printf("still loaded: %d\n", dlopen("./libprov.so", RTLD_NOW | RTLD_NOLOAD) == p);
  printf("dlclose prov = %d\n", dlclose(p));
  printf("dlclose prov = %d\n", dlclose(p));
  return 0;
}
