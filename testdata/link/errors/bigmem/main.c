/* bigmem: libbig.so declares more than 512 MiB of data. */
#include <stdio.h>
char *big_touch(int i);
int main(void) {
  printf("NOT REACHED: %d\n", *big_touch(12345));
  return 0;
}
