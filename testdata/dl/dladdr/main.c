/* dladdr: the module and the nearest exported symbol of function and data
 * addresses in the main (a function and data it exports) and in a library
 * linked at startup (a function pointer the library made itself, one from
 * dlsym, data, an address inside an array).
 * The main's file name is compared with argv[0], as glibc reports it.
 * Not compared: libc functions (in libc.so.6 natively, in the main in
 * wasm), and library data the main names directly (natively a copy
 * relocation moves it into the program); its address comes from a library
 * function instead. */
#define _GNU_SOURCE /* dladdr in glibc */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int *where_data_addr(void);
extern int (*where_ptr)(int);
int where_plain(int x);

int main_func(int x) { return x + 2; }
int main_data[3] = {7, 8, 9};

static const char *argv0;

static void show(const char *what, const void *addr) {
  Dl_info info;
  memset(&info, 0, sizeof info);
  if (!dladdr(addr, &info)) {
    printf("%s: not found\n", what);
    return;
  }
  const char *f = info.dli_fname ? info.dli_fname : "(null)";
  const char *slash = strrchr(f, '/');
  printf("%s: in %s, symbol %s, exact %s\n", what, strcmp(f, argv0) == 0 ? "the program" : slash ? slash + 1 : f,
         info.dli_sname ? info.dli_sname : "(null)", info.dli_saddr == addr ? "yes" : "no");
}

int main(int argc, char **argv) {
  (void)argc;
  argv0 = argv[0];
  show("main_func", (void *)main_func);
  show("main_data", main_data);
  show("&main_data[2]", &main_data[2]);
  show("where_plain", (void *)where_plain);
  show("where_ptr (set by the library)", (void *)where_ptr);
  show("dlsym where_taken", dlsym(RTLD_DEFAULT, "where_taken"));
  show("where_data", where_data_addr());
  show("&where_data[3]", where_data_addr() + 3);
  int local = 0;
  Dl_info info;
  printf("NULL: %d\n", dladdr(NULL, &info));
  printf("a stack address found: %d\n", dladdr(&local, &info) != 0);
  return 0;
}
