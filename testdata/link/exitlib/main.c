/* exitlib: a library calls exit(5); buffered output and main's atexit
 * handler must still run; nothing after the call may print. */
#include <stdio.h>
#include <stdlib.h>
void quit_now(const char *why);
static void on_exit_handler(void) { printf("\nmain: atexit handler ran\n"); }
int main(void) {
  atexit(on_exit_handler);
  printf("main: before quit_now\n");
  quit_now("the test says so");
  printf("main: NOT REACHED\n");
  return 0;
}
