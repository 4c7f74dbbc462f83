/* libcode.so: computes the exit status. */
#include <stdio.h>
int code_compute(int n) {
  printf("libcode: computing from %d\n", n);
  return n % 5;
}
