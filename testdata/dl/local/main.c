/* A library opened RTLD_LOCAL (and its dependency) is invisible to
 * dlsym(RTLD_DEFAULT) and to libraries opened later, but dlsym(handle) finds
 * it and its own dependency resolves. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  void *h = dlopen("./liblocal.so", RTLD_NOW | RTLD_LOCAL);
  printf("liblocal.so opened: %d\n", h != NULL);
  printf("RTLD_DEFAULT local_only is NULL: %d\n", dlsym(RTLD_DEFAULT, "local_only") == NULL);
  printf("RTLD_DEFAULT local_data is NULL: %d\n", dlsym(RTLD_DEFAULT, "local_data") == NULL);
  printf("RTLD_DEFAULT ldep_value is NULL: %d\n", dlsym(RTLD_DEFAULT, "ldep_value") == NULL);
  dlerror();
  int (*f)(void) = (int (*)(void))dlsym(h, "local_only");
  printf("handle local_only found: %d\n", f != NULL);
  if (f) printf("local_only() = %d\n", f());
  int *d = (int *)dlsym(h, "local_data");
  if (d) printf("local_data = %d\n", *d);
  int (*g)(void) = (int (*)(void))dlsym(h, "ldep_value");
  printf("handle finds dependency's ldep_value: %d\n", g != NULL);
  if (g) printf("ldep_value() = %d\n", g());
  void *n = dlopen("./libneedlocal.so", RTLD_NOW);
  printf("libneedlocal.so opened: %d\n", n != NULL);
  const char *e = dlerror();
  printf("dlerror non-NULL: %d\n", e != NULL);
  printf("dlerror names local_only: %d\n", e != NULL && strstr(e, "local_only") != NULL);
  printf("liblocal.so still works: %d\n", f != NULL && f() == 107);
  printf("dlclose = %d\n", dlclose(h));
  return 0;
}
