/* libfbase.so: the bottom of a diamond (libfl.so and libfr.so need it).
 * Its destructor reports whether both sides were finalised before it. */
#include <stdio.h>
#include <stdlib.h>
int fl_done, fr_done;
static void base_ctor_atexit(void) { printf("atexit handler registered by libfbase's constructor\n"); }
__attribute__((constructor)) static void base_ctor(void) { atexit(base_ctor_atexit); }
__attribute__((destructor)) static void base_dtor(void) {
  printf("dtor base: after l %s, after r %s\n", fl_done ? "yes" : "no", fr_done ? "yes" : "no");
}
