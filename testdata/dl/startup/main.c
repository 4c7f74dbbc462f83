/* startup: a library opened with dlopen calls functions of a library the
 * main was linked with, and shares its function pointers and data. */
#include <dlfcn.h>
#include <stdio.h>

int core_add(int a, int b);
extern int core_counter;

typedef int (*binop)(int, int);

int main(void) {
  printf("core_add(2, 3) = %d\n", core_add(2, 3));
  void *h = dlopen("./libplug.so", RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*run)(int) = (int (*)(int))dlsym(h, "plug_run");
  binop (*addr)(void) = (binop(*)(void))dlsym(h, "plug_addr_of_core_add");
  int (*cnt)(void) = (int (*)(void))dlsym(h, "plug_counter");
  printf("plug_run(5) = %d\n", run(5));
  printf("same core_add pointer: %d\n", addr() == core_add);
  printf("dlsym core_add matches: %d\n", dlsym(RTLD_DEFAULT, "core_add") == (void *)core_add);
  int seen = cnt();
  printf("counter seen by plug = %d, by main = %d\n", seen, core_counter);
  binop viaptr = addr();
  printf("call through plug's pointer: %d\n", viaptr(20, 22));
  printf("dlclose = %d\n", dlclose(h));
  int sum = core_add(1, 1);
  printf("core_add after dlclose = %d, counter = %d\n", sum, core_counter);
  return 0;
}
