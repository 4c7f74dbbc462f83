/* PIC rebuild of SEED exp1 and exp3: with a dynamic linker, the main's
 * "hello" data and stack buffer survive the libraries. */
#include <stdio.h>
#include <string.h>

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
  volatile char buf[16];
  for (int i = 0; i < 6; i++) buf[i] = greeting[i];
  clobber();
  printf("main stack buffer after clobber: %.5s\n", (const char *)buf);

  /* exp2-like: nested frames across modules stay distinct */
  printf("depth check: %d\n", clobber_depth(4));
  return 0;
}
