/* PIC rebuild of SEED exp1 and exp3: with a dynamic linker, the main's
 * "hello" data and stack buffer survive the libraries. */
#include <stdio.h>

const char *extra_greeting(void);   /* libextra.so */
void clobber(void);                 /* libclobber.so */
int clobber_depth(int n);           /* libclobber.so */

static const char greeting[6] = "hello";

int main(void) {
  /* exp1: both constants keep their own contents */
  printf("main data: %s\n", greeting);
  printf("extra data: %s\n", extra_greeting());
  printf("same address: %s\n", (const void *)greeting == (const void *)extra_greeting() ? "yes" : "no");

  /* exp3: the library's stack frame lies below ours */
  char buf[16];
  buf[0] = 'h', buf[1] = 'e', buf[2] = 'l', buf[3] = 'l', buf[4] = 'o', buf[5] = 0;
  __asm__ volatile("" : : "r"(buf) : "memory"); /* keep buf one array in memory */
  clobber();
  printf("main stack buffer after clobber: %s\n", buf);

  /* exp2-like: nested frames across modules stay distinct */
  printf("depth check: %d\n", clobber_depth(4));
  return 0;
}
