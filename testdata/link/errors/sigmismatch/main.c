/* sigmismatch: main imports f as (i32) -> i32, libsig.so exports (f64) -> f64. */
#include <stdio.h>
int f(int);
int main(void) {
  printf("NOT REACHED: %d\n", f(21));
  return 0;
}
