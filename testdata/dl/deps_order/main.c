/* dlsym(handle) searches the library and its dependencies breadth first in
 * load order: top, left, right, deep (deep is left's dependency). */
#include <dlfcn.h>
#include <stdio.h>

typedef const char *(*sfn)(void);

int main(void) {
  void *h = dlopen("./libtop.so", RTLD_NOW);
  printf("libtop.so opened: %d\n", h != NULL);
  printf("only_top found: %d\n", dlsym(h, "only_top") != NULL);
  sfn w = (sfn)dlsym(h, "which");
  printf("which() = %s\n", w ? w() : "(null)");
  sfn d = (sfn)dlsym(h, "depth");
  printf("depth() = %s\n", d ? d() : "(null)");
  sfn o = (sfn)dlsym(h, "only_deep");
  printf("only_deep() = %s\n", o ? o() : "(null)");
  void *l = dlopen("libleft.so", RTLD_NOW | RTLD_NOLOAD);
  printf("libleft.so loaded as a dependency: %d\n", l != NULL);
  sfn ld = (sfn)dlsym(l, "depth");
  printf("via libleft.so handle depth() = %s\n", ld ? ld() : "(null)");
  printf("RTLD_DEFAULT which is NULL: %d\n", dlsym(RTLD_DEFAULT, "which") == NULL);
  dlclose(l);
  printf("dlclose = %d\n", dlclose(h));
  printf("libleft.so unloaded: %d\n", dlopen("libleft.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  return 0;
}
