/* quickexit: a library ends the process with _Exit(6): no atexit handler,
 * no destructor runs and stdio is not flushed, so only what main flushed
 * itself is printed (stdout is a pipe, fully buffered, natively as in wasm). */
#include <stdio.h>
#include <stdlib.h>
void quick_register(void);
void quick_exit_now(int code);
__attribute__((destructor)) static void main_dtor(void) { printf("main destructor (must not run)\n"); }
static void main_handler(void) { printf("main atexit handler (must not run)\n"); }
int main(void) {
  atexit(main_handler);
  quick_register();
  printf("flushed by main\n");
  fflush(stdout);
  printf("buffered in main (must be lost)\n");
  quick_exit_now(6);
  printf("after _Exit (unreachable)\n");
  return 0;
}
