/* abi: variadic calls into a library, a va_list handed from one library to
 * another (also va_copy'd), structs larger than any register set passed and
 * returned by value in both directions (and through a function pointer),
 * and qsort/bsearch in the main with a library's comparator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "abi.h"

double va_sum(const char *kinds, ...);
int va_format(char *buf, int size, const char *fmt, ...);
int va_twice(char *buf, int size, const char *fmt, ...);
struct big fmt_make_big(int seed);
long long fmt_big_checksum(struct big b);
struct big fmt_transform(struct big b, struct big (*f)(struct big, int), int k);
struct pair fmt_pair(struct pair a, struct pair b);
int fmt_cmp_pair(const void *x, const void *y);
int (*fmt_cmp_pair_ptr(void))(const void *, const void *);

static struct big scale(struct big b, int k) {
  for (int i = 0; i < 40; i++) b.ints[i] *= k;
  b.d *= k;
  b.name[0] = 'B';
  return b;
}

int main(void) {
  printf("va_sum = %.3f\n", va_sum("ildsil", 1, 1LL << 40, 2.5, "hello", -7, -3LL));
  printf("va_sum(empty) = %.1f\n", va_sum(""));
  char buf[256];
  int n = va_format(buf, sizeof buf, "%d|%lld|%.2f|%s|%c|%x|%5.1e", -42, -1234567890123LL, 3.14159, "str", 'Z', 0xbeef, 12345.678);
  printf("va_format (%d): %s\n", n, buf);
  n = va_twice(buf, sizeof buf, "[%s %d %g]", "twice", 7, 0.5);
  printf("va_twice (%d): %s\n", n, buf);
  n = va_format(buf, 8, "%s", "truncated output");
  printf("va_format truncated (%d): %s\n", n, buf);

  struct big b = fmt_make_big(3);
  printf("make_big: name=%s ints[39]=%d d=%.3f ll=%lld\n", b.name, b.ints[39], b.d, b.ll);
  long long c1 = fmt_big_checksum(b);
  printf("checksum = %lld, caller's ints[0] still %d\n", c1, b.ints[0]);
  struct big t = fmt_transform(b, scale, 3);
  printf("transform: name=%s ints[39]=%d d=%.3f checksum=%lld\n", t.name, t.ints[39], t.d, fmt_big_checksum(t));
  struct big again = fmt_make_big(3);
  printf("original unchanged: %s\n", memcmp(b.ints, again.ints, sizeof b.ints) == 0 ? "yes" : "no");

  struct pair p = fmt_pair((struct pair){3, 1.5}, (struct pair){-5, 4.0});
  printf("pair = {%d, %.2f}\n", p.s, p.d);

  struct pair arr[9];
  for (int i = 0; i < 9; i++) {
    arr[i].s = (short)((i * 7) % 5);
    arr[i].d = (i * 13) % 9 / 4.0;
  }
  qsort(arr, 9, sizeof arr[0], fmt_cmp_pair);
  printf("sorted:");
  for (int i = 0; i < 9; i++) printf(" {%d,%.2f}", arr[i].s, arr[i].d);
  printf("\n");
  struct pair key = arr[5];
  struct pair *hit = bsearch(&key, arr, 9, sizeof arr[0], fmt_cmp_pair_ptr());
  printf("bsearch found index %d\n", hit ? (int)(hit - arr) : -1);
  struct pair missing = {99, 0};
  printf("bsearch missing: %s\n", bsearch(&missing, arr, 9, sizeof arr[0], fmt_cmp_pair) ? "found" : "NULL");
  printf("comparator pointers equal: %s\n", fmt_cmp_pair_ptr() == fmt_cmp_pair ? "yes" : "no");
  return 0;
}
