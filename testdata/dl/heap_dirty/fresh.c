/* libfresh.so: aligned, zero-initialised and initialised data that must be
 * intact every time the library is loaded, whatever the memory held before. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

_Alignas(64) char aligned_obj[64] = {1};
static unsigned char zeros[256 * 1024];
int init_data[4] = {1, 2, 3, 4};
const char *greeting = "hello";

void check(void) {
  printf("aligned_obj is 64-aligned: %d\n", (int)((uintptr_t)aligned_obj % 64 == 0));
  printf("aligned_obj[0] = %d\n", aligned_obj[0]);
  size_t nz = 0;
  for (size_t i = 0; i < sizeof zeros; i++)
    if (zeros[i]) nz++;
  printf("non-zero bytes in 256 KiB array: %zu\n", nz);
  printf("init_data = %d %d %d %d\n", init_data[0], init_data[1], init_data[2], init_data[3]);
  printf("greeting = %s\n", greeting);
}

void dirty(void) {
  memset(zeros, 0x55, sizeof zeros);
  aligned_obj[0] = 9;
  init_data[0] = -1;
  greeting = "dirty";
}
