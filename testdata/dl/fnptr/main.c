/* A function symbol from dlsym is callable and equals the library's own &fn;
 * a data symbol is the address of the library's data. */
#include <dlfcn.h>
#include <stdio.h>

int main(void) {
  void *h = dlopen("./libfp.so", RTLD_NOW);
  printf("opened: %d\n", h != NULL);
  int (*fn)(int) = (int (*)(int))dlsym(h, "fn");
  void *(*self_addr)(void) = (void *(*)(void))dlsym(h, "self_addr");
  void *(*data_addr)(void) = (void *(*)(void))dlsym(h, "data_addr");
  int (*get_data)(void) = (int (*)(void))dlsym(h, "get_data");
  int (*call_through)(int (*)(int), int) = (int (*)(int (*)(int), int))dlsym(h, "call_through");
  printf("fn(1) = %d\n", fn(1));
  printf("dlsym fn == library's &fn: %d\n", (void *)fn == self_addr());
  printf("dlsym fn again is equal: %d\n", (void *)fn == dlsym(h, "fn"));
  printf("library calls the pointer: %d\n", call_through(fn, 8));
  int *data = (int *)dlsym(h, "data");
  printf("dlsym data == library's &data: %d\n", (void *)data == data_addr());
  printf("data = %d\n", *data);
  *data = 5;
  printf("library sees data = %d\n", get_data());
  printf("dlclose = %d\n", dlclose(h));
  return 0;
}
