/* A library whose every data byte can be checked: 64 bytes of initialised
 * data (a pattern of its ID), SIZE bytes of .bss aligned to ALIGN, and a
 * flag its constructor sets. Built once per (ID, SIZE, ALIGN); the startup
 * libraries also get a PREFIX so that their names do not collide in the
 * global scope.
 *
 *   check_fresh()     bad bytes after loading: constructor ran, data is the
 *                     ID pattern, .bss is zero and aligned
 *   fill(seed)        write the seed's pattern over the data and .bss
 *   check_fill(seed)  bad bytes against that pattern
 */
#include <stdint.h>

#include "pat.h"

#ifndef PREFIX
#define PREFIX
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(n) CAT(PREFIX, n)

#define B(k) (unsigned char)((ID)*37 + (k)*11 + 1)
#define B4(k) B(k), B(k + 1), B(k + 2), B(k + 3)
#define B16(k) B4(k), B4(k + 4), B4(k + 8), B4(k + 12)

unsigned char FN(init_data)[64] = {B16(0), B16(16), B16(32), B16(48)};
_Alignas(ALIGN) unsigned char FN(bss)[SIZE];
static int ctor_ran;

__attribute__((constructor)) static void ctor(void) { ctor_ran = 1; }

int FN(check_fresh)(void) {
  int bad = !ctor_ran;
  for (int k = 0; k < 64; k++)
    bad += FN(init_data)[k] != B(k);
  for (uint32_t i = 0; i < SIZE; i++)
    bad += FN(bss)[i] != 0;
  bad += (uintptr_t)FN(bss) % ALIGN != 0;
  return bad;
}

void FN(fill)(uint32_t seed) {
  for (uint32_t i = 0; i < SIZE; i++)
    FN(bss)[i] = pat(seed, i);
  for (uint32_t k = 0; k < 64; k++)
    FN(init_data)[k] = pat(seed ^ 0xabcu, k);
}

int FN(check_fill)(uint32_t seed) {
  int bad = 0;
  for (uint32_t i = 0; i < SIZE; i++)
    bad += FN(bss)[i] != pat(seed, i);
  for (uint32_t k = 0; k < 64; k++)
    bad += FN(init_data)[k] != pat(seed ^ 0xabcu, k);
  return bad;
}
