/* ownmem: the ptrs program with a main that defines and exports its own
 * memory and table (linked without --import-memory and --import-table, with
 * --export-table): wasmdl adopts them and places the libraries above. */
/* ptrs: static initialised data pointers in both directions. */
#include <stdio.h>

extern int lib_var;
extern const char lib_msg[];
extern int lib_fn(int);
extern int *lib_p;
extern const char *lib_sp;
extern int (*lib_fp)(int);
void lib_check(void);

int main_var = 1234;
const char main_str[] = "string in main";
int main_fn(int x) { return x + 1000; }

int *main_q = &lib_var;
const char *main_msg_ptr = lib_msg;
int (*main_lib_fn_ptr)(int) = lib_fn;
static const char *const local_strs[2] = {main_str, lib_msg};
static int *const local_ptrs[2] = {&main_var, &lib_var};

int main(void) {
  printf("main: main_q == &lib_var: %s, *main_q = %d\n", main_q == &lib_var ? "yes" : "no", *main_q);
  printf("main: main_msg_ptr -> \"%s\"\n", main_msg_ptr);
  printf("main: main_lib_fn_ptr(7) = %d, == lib_fn: %s\n", main_lib_fn_ptr(7), main_lib_fn_ptr == lib_fn ? "yes" : "no");
  printf("main: local_strs = \"%s\", \"%s\"\n", local_strs[0], local_strs[1]);
  printf("main: local_ptrs -> %d, %d\n", *local_ptrs[0], *local_ptrs[1]);
  printf("main: lib_p == &main_var: %s, lib_sp == main_str: %s, lib_fp == main_fn: %s\n",
         lib_p == &main_var ? "yes" : "no", lib_sp == main_str ? "yes" : "no", lib_fp == main_fn ? "yes" : "no");
  main_var = 99;
  lib_var = -1;
  lib_check();
  return 0;
}
