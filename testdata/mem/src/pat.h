/* The byte pattern every test buffer holds: a function of a seed and the
 * byte's position, so any overwritten byte is found and reported. */
#ifndef PAT_H
#define PAT_H
#include <stdint.h>

static inline unsigned char pat(uint32_t seed, uint32_t i) {
  uint32_t x = (i + 1u) * 2654435761u ^ (seed * 40503u + 0x9e3779b9u);
  return (unsigned char)(x >> 24 ^ x >> 11 ^ x);
}
#endif
