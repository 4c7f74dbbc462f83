/* exitcode: main returns 3; the last line has no newline, so it only
 * appears if stdout is flushed at exit. */
#include <stdio.h>
int code_compute(int n);
int main(void) {
  printf("first line\n");
  int c = code_compute(13);
  printf("exiting with %d", c);
  return c;
}
