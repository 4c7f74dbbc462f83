/* libbase.so: shared by libl and libr; its constructor must run once. */
#include <stdio.h>
int base_counter;
int base_ctor_runs;
const char *base_last_caller = "nobody";
__attribute__((constructor)) static void base_ctor(void) {
  base_ctor_runs++;
  base_counter = 100;
  printf("libbase constructor (run %d)\n", base_ctor_runs);
}
int base_inc(const char *who, int by) {
  base_counter += by;
  base_last_caller = who;
  return base_counter;
}
