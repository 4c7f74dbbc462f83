/* A program that mallocs MIB MiB in 1 MiB blocks and touches every byte:
 * the host's memory must follow the guest's, not a multiple of it.
 *
 *   main MIB */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  int mib = argc > 1 ? atoi(argv[1]) : 64;
  long total = 0;
  unsigned sum = 0;
  for (int i = 0; i < mib; i++) {
    char *p = malloc(1 << 20);
    if (!p) break;
    memset(p, i, 1 << 20);
    sum += (unsigned char)p[(i * 4099) & ((1 << 20) - 1)];
    total += 1 << 20;
  }
  printf("allocated %ld MiB, checksum %u\n", total >> 20, sum);
  return 0;
}
