/* dlopen(NULL) is the main program: dlsym on it finds the main's own exported
 * function and data, and the symbols of libraries loaded at startup. */
#include <dlfcn.h>
#include <stdio.h>

int main_data = 1234;
int main_func(int x) { return x * 3; }

extern int base_data;
int base_value(void);

int main(void) {
  void *h = dlopen(NULL, RTLD_NOW);
  printf("dlopen(NULL) non-NULL: %d\n", h != NULL);
  int (*f)(int) = (int (*)(int))dlsym(h, "main_func");
  printf("main_func found: %d\n", f != NULL);
  printf("main_func == &main_func: %d\n", f == main_func);
  if (f) printf("main_func(5) = %d\n", f(5));
  int *d = (int *)dlsym(h, "main_data");
  printf("main_data found: %d\n", d != NULL);
  printf("main_data == &main_data: %d\n", d == &main_data);
  if (d) {
    *d = 4321;
    printf("main_data after write through dlsym pointer = %d\n", main_data);
  }
  int (*b)(void) = (int (*)(void))dlsym(h, "base_value");
  printf("base_value found: %d\n", b != NULL);
  printf("base_value == &base_value: %d\n", b == base_value);
  if (b) printf("base_value() = %d\n", b());
  int *bd = (int *)dlsym(h, "base_data");
  printf("base_data == &base_data: %d\n", bd == &base_data);
  if (bd) printf("base_data = %d\n", *bd);
  printf("RTLD_DEFAULT finds main_func: %d\n", dlsym(RTLD_DEFAULT, "main_func") == (void *)main_func);
  printf("missing symbol is NULL: %d\n", dlsym(h, "no_such_symbol") == NULL);
  dlerror();
  void *h2 = dlopen(NULL, RTLD_LAZY);
  printf("second dlopen(NULL) same handle: %d\n", h2 == h);
  printf("dlclose(main) = %d\n", dlclose(h2));
  printf("dlclose(main) = %d\n", dlclose(h));
  printf("main still usable: %d\n", dlsym(RTLD_DEFAULT, "main_data") == (void *)&main_data);
  return 0;
}
