/* Two RTLD_LOCAL libraries define the same names (value, get, addr, twice):
 * each one uses its own definitions. */
#include <dlfcn.h>
#include <stdio.h>

typedef int (*ifn)(void);
typedef int *(*pfn)(void);

int main(void) {
  void *a = dlopen("./libone.so", RTLD_NOW | RTLD_LOCAL);
  void *b = dlopen("./libtwo.so", RTLD_NOW | RTLD_LOCAL);
  printf("both opened, distinct: %d %d %d\n", a != NULL, b != NULL, a != b);
  ifn geta = (ifn)dlsym(a, "get"), getb = (ifn)dlsym(b, "get");
  ifn twa = (ifn)dlsym(a, "twice"), twb = (ifn)dlsym(b, "twice");
  int *va = (int *)dlsym(a, "value"), *vb = (int *)dlsym(b, "value");
  printf("get functions distinct: %d\n", geta != getb);
  printf("value objects distinct: %d\n", va != vb);
  printf("one: get() = %d, twice() = %d, value = %d\n", geta(), twa(), *va);
  printf("two: get() = %d, twice() = %d, value = %d\n", getb(), twb(), *vb);
  printf("one: addr() == dlsym value: %d\n", ((pfn)dlsym(a, "addr"))() == va);
  printf("two: addr() == dlsym value: %d\n", ((pfn)dlsym(b, "addr"))() == vb);
  *va = 10;
  printf("after one.value = 10: one get() = %d twice() = %d, two get() = %d twice() = %d\n", geta(), twa(), getb(), twb());
  printf("RTLD_DEFAULT get is NULL: %d\n", dlsym(RTLD_DEFAULT, "get") == NULL);
  printf("dlclose one = %d\n", dlclose(a));
  printf("two after closing one: get() = %d twice() = %d\n", getb(), twb());
  printf("dlclose two = %d\n", dlclose(b));
  return 0;
}
