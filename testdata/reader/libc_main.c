/* Non-PIE main with wasi-libc (reactor model), compiled -fPIC, linked
 * against libfoo.so. Entry: __main_void (after _initialize). */
#include <stdio.h>

extern int foo_counter;
extern const char *foo_greeting;
int foo_call(int x);
unsigned long foo_name_len(void);

int main_value = 11;
int *main_foo_ptr = &foo_counter;   /* data relocation to library data */

int main(void) {
  printf("%s\n", foo_greeting);
  printf("foo_call(3) = %d\n", foo_call(3));
  printf("foo_counter = %d (via ptr %d)\n", foo_counter, *main_foo_ptr);
  printf("name_len = %lu\n", foo_name_len());
  return 0;
}
