/* interpose: libfirst.so and libsecond.so define the same symbols, and the
 * main defines symbols libsecond.so defines too. The first definition in
 * load order (main, libfirst, libsecond) wins for every module: data reads
 * and writes, initialised pointers, and function addresses. */
#include <stdio.h>

extern int dup_var;
extern int dup_arr[4];
const char *dup_fn(void);
int main_over_var = 100;
int main_over_fn(int x) { return x + 1; }

extern int *second_ptr, *second_arr_ptr, *second_over_ptr, *second_first_only_ptr;
extern int first_only;
extern const char *(*second_fn_ptr)(void);
extern int (*second_over_fn_ptr)(int);
int second_read_dup(void);
int second_read_arr(int i);
int second_read_over(void);
void second_write(int v);
int *second_dup_addr(void);
const char *(*second_dup_fn_addr(void))(void);
int (*second_over_fn_addr(void))(int);

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void) {
  printf("main: dup_var=%d dup_arr[1]=%d dup_fn()=%s\n", dup_var, dup_arr[1], dup_fn());
  printf("second reads dup_var=%d dup_arr[2]=%d main_over_var=%d\n", second_read_dup(), second_read_arr(2),
         second_read_over());
  printf("second's &dup_var == main's: %s\n", yesno(second_dup_addr() == &dup_var));
  printf("second's initialised pointers: dup %s, arr %s, over %s, first_only %s\n",
         yesno(second_ptr == &dup_var), yesno(second_arr_ptr == &dup_arr[2]),
         yesno(second_over_ptr == &main_over_var), yesno(second_first_only_ptr == &first_only));
  printf("second's &dup_fn == main's: %s, calls %s\n", yesno(second_dup_fn_addr() == dup_fn),
         second_dup_fn_addr()());
  printf("second's static dup_fn pointer == main's: %s, calls %s\n", yesno(second_fn_ptr == dup_fn), second_fn_ptr());
  printf("second's &main_over_fn == main's: %s, (9) = %d\n", yesno(second_over_fn_addr() == main_over_fn),
         second_over_fn_addr()(9));
  printf("second's static main_over_fn pointer (9) = %d\n", second_over_fn_ptr(9));
  second_write(40);
  printf("after second_write(40): dup_var=%d main_over_var=%d dup_arr[3]=%d\n", dup_var, main_over_var, dup_arr[3]);
  dup_var = 77;
  main_over_var = 78;
  printf("after main writes: second reads %d %d\n", second_read_dup(), second_read_over());
  return 0;
}
