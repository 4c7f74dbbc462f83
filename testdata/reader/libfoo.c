/* libfoo: NEEDED libbar.so. Uses libbar's data and function addresses
 * (GOT.mem / GOT.func imports), has its own default-visibility data,
 * a weak undefined function and a weak undefined data symbol
 * (IMPORT_INFO weak flags), and calls a libc function (env import). */
#include <string.h>

extern int bar_values[8];
extern const char *bar_name;
int bar_sum(int n);

extern void weak_missing(void) __attribute__((weak));
extern int weak_missing_var __attribute__((weak));

int foo_counter = 7;
const char *foo_greeting = "hello from libfoo";
int (*foo_sum_ptr)(int) = bar_sum;          /* data relocation to a function in libbar */
int *foo_values_ptr = &bar_values[2];        /* data relocation to data in libbar */

int foo_call(int x) {
  foo_counter++;
  if (weak_missing) weak_missing();
  if (&weak_missing_var) x += weak_missing_var;
  return bar_sum(x) + bar_values[3] + foo_counter;
}

void *foo_fn_addr(void) { return (void *)&bar_sum; }
int *foo_data_addr(void) { return &bar_values[5]; }
unsigned long foo_name_len(void) { return strlen(bar_name) + strlen(foo_greeting); }
