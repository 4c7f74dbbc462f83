/* libbigbss.so: 3 MiB of zero-initialised data (.bss) between small
 * initialised arrays, and functions that fill and check it. */
#include <string.h>
#define BIG (3 << 20)
unsigned char big_before[64] = {1, 2, 3, 4, 5, 6, 7, 8};
unsigned char big_zero[BIG];
unsigned char big_after[64] = {9, 8, 7, 6, 5, 4, 3, 2};
static unsigned int big_static[1 << 16]; /* 256 KiB more, not exported */

/* 1 when every byte of big_zero and big_static is 0 */
int big_all_zero(void) {
  for (unsigned i = 0; i < BIG; i++)
    if (big_zero[i]) return 0;
  for (unsigned i = 0; i < (1u << 16); i++)
    if (big_static[i]) return 0;
  return 1;
}
void big_fill(unsigned seed) {
  for (unsigned i = 0; i < BIG; i++) big_zero[i] = (unsigned char)(i * 131u + seed);
  for (unsigned i = 0; i < (1u << 16); i++) big_static[i] = i ^ seed;
}
/* index of the first wrong byte, or -1 */
long big_check(unsigned seed) {
  for (unsigned i = 0; i < BIG; i++)
    if (big_zero[i] != (unsigned char)(i * 131u + seed)) return i;
  for (unsigned i = 0; i < (1u << 16); i++)
    if (big_static[i] != (i ^ seed)) return BIG + i;
  return -1;
}
unsigned big_size(void) { return BIG; }
