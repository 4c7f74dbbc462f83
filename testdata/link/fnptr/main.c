/* fnptr: function pointer equality across modules and calls through them. */
#include <stdio.h>
typedef int (*fn_t)(int);

int core_fn(int x);
fn_t core_get_self(void);
fn_t core_get_private(void);
fn_t left_get_core(void);
void *left_get_printf(void);
int left_call(fn_t f, int x);
extern fn_t right_static_core;
extern void *right_static_printf;
fn_t right_get_core(void);
void *right_get_printf(void);
int right_call(fn_t f, int x);

static int main_local(int x) { return x + 500; }
fn_t main_static_core = core_fn;

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void) {
  fn_t m = &core_fn;
  printf("&core_fn main == core: %s\n", yesno(m == core_get_self()));
  printf("&core_fn main == left: %s\n", yesno(m == left_get_core()));
  printf("&core_fn main == right: %s\n", yesno(m == right_get_core()));
  printf("&core_fn left == right: %s\n", yesno(left_get_core() == right_get_core()));
  printf("static pointers equal: %s %s\n", yesno(right_static_core == m), yesno(main_static_core == m));
  printf("&printf main == left: %s\n", yesno((void *)&printf == left_get_printf()));
  printf("&printf main == right: %s\n", yesno((void *)&printf == right_get_printf()));
  printf("&printf right static == main: %s\n", yesno(right_static_printf == (void *)&printf));
  printf("private != public: %s, non-null: %s\n", yesno(core_get_private() != m), yesno(core_get_private() != 0));
  printf("calls: %d %d %d %d\n", m(4), left_get_core()(5), right_static_core(6), core_get_private()(7));
  printf("lib calls main fn: %d %d\n", left_call(main_local, 1), right_call(main_local, 2));
  printf("lib calls lib fn: %d %d\n", left_call(right_get_core(), 3), right_call(core_get_private(), 4));
  int (*pf)(const char *, ...) = (int (*)(const char *, ...))left_get_printf();
  pf("printed through left's &printf: %d\n", 77);
  return 0;
}
