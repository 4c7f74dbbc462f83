/* libptrs.so: static initialised pointers into main (data, strings,
 * functions), checked from this library's constructor. */
#include <stdio.h>

extern int main_var;
extern const char main_str[];
extern int main_fn(int);
extern int *main_q;              /* main's pointer to lib_var */
extern const char *main_msg_ptr; /* main's pointer to lib_msg */
extern int (*main_lib_fn_ptr)(int);

int lib_var = 42;
const char lib_msg[] = "message from lib";
int lib_fn(int x) { return x * 3; }

int *lib_p = &main_var;
const char *lib_sp = main_str;
int (*lib_fp)(int) = main_fn;
const char *lib_self = lib_msg + 8;
int *lib_arr_ptrs[3] = {&main_var, &lib_var, 0};

static void check(const char *where) {
  printf("[%s] lib_p == &main_var: %s, *lib_p = %d\n", where, lib_p == &main_var ? "yes" : "no", *lib_p);
  printf("[%s] lib_sp -> \"%s\"\n", where, lib_sp);
  printf("[%s] lib_fp == main_fn: %s, lib_fp(5) = %d\n", where, lib_fp == main_fn ? "yes" : "no", lib_fp(5));
  printf("[%s] lib_self -> \"%s\"\n", where, lib_self);
  printf("[%s] lib_arr_ptrs: %s %s %s\n", where, lib_arr_ptrs[0] == &main_var ? "main_var" : "?",
         lib_arr_ptrs[1] == &lib_var ? "lib_var" : "?", lib_arr_ptrs[2] == 0 ? "null" : "?");
  printf("[%s] main_q == &lib_var: %s, *main_q = %d\n", where, main_q == &lib_var ? "yes" : "no", *main_q);
  printf("[%s] main_msg_ptr -> \"%s\"\n", where, main_msg_ptr);
  printf("[%s] main_lib_fn_ptr == lib_fn: %s\n", where, main_lib_fn_ptr == lib_fn ? "yes" : "no");
}

__attribute__((constructor)) static void lib_ctor(void) { check("lib ctor"); }

void lib_check(void) { check("lib call"); }
