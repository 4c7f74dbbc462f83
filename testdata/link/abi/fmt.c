/* libfmt.so: consumes a va_list made in another module; big structs by
 * value both ways; comparison callbacks for the main's qsort/bsearch. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "abi.h"

int fmt_vformat(char *buf, int size, const char *fmt, va_list ap) { return vsnprintf(buf, size, fmt, ap); }

struct big fmt_make_big(int seed) {
  struct big b;
  memset(&b, 0, sizeof b);
  for (int i = 0; i < 40; i++) b.ints[i] = seed * 1000 + i * i;
  b.d = seed / 8.0;
  snprintf(b.name, sizeof b.name, "big-%d", seed);
  b.ll = (long long)seed << 40;
  return b;
}

long long fmt_big_checksum(struct big b) {
  long long s = b.ll;
  for (int i = 0; i < 40; i++) s = s * 31 + b.ints[i];
  s += (long long)(b.d * 1024);
  for (const char *p = b.name; *p; p++) s = s * 7 + *p;
  b.ints[0] = -1; /* the caller's copy must not change */
  return s;
}

struct big fmt_transform(struct big b, struct big (*f)(struct big, int), int k) { return f(b, k); }

struct pair fmt_pair(struct pair a, struct pair b) {
  struct pair r = {(short)(a.s + b.s), a.d * b.d};
  return r;
}

int fmt_cmp_pair(const void *x, const void *y) {
  const struct pair *a = x, *b = y;
  if (a->s != b->s) return a->s < b->s ? -1 : 1;
  return (a->d > b->d) - (a->d < b->d);
}

int (*fmt_cmp_pair_ptr(void))(const void *, const void *) { return fmt_cmp_pair; }
