/* undefined: libundef.so imports nobody_defines_this, which no module defines. */
#include <stdio.h>
int undef_call(int x);
int main(void) {
  printf("NOT REACHED: %d\n", undef_call(1));
  return 0;
}
