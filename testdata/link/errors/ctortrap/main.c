/* ctortrap: a library constructor traps before main runs. */
#include <stdio.h>
int trap_get(void);
int main(void) {
  printf("NOT REACHED: %d\n", trap_get());
  return 0;
}
