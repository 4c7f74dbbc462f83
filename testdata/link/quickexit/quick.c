/* libquick.so: a destructor, an atexit handler, and _Exit. */
#include <stdio.h>
#include <stdlib.h>
__attribute__((destructor)) static void quick_dtor(void) { printf("libquick destructor (must not run)\n"); }
static void quick_handler(void) { printf("libquick atexit handler (must not run)\n"); }
void quick_register(void) { atexit(quick_handler); }
void quick_exit_now(int code) {
  printf("buffered in libquick (must be lost)\n");
  _Exit(code);
}
