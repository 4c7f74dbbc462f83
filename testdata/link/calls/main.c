/* calls: int, i64, float and double across a NEEDED chain
 * main -> libone -> libtwo -> libthree. */
#include <stdio.h>

int one_sum(int n);
long long one_big(void);
float one_eighth(float x);
double one_mix(double d);
unsigned long long one_u64(unsigned long long x);
signed char one_narrow(int x);
int three_add(int a, int b);
long long two_pow64(long long base, int e);
double three_mix(int a, long long b, float c, double d);

int main(void) {
  printf("one_sum(10) = %d\n", one_sum(10));
  printf("one_sum(-3) = %d\n", one_sum(-3));
  printf("one_big() = %lld\n", one_big());
  printf("two_pow64(-2, 63) = %lld\n", two_pow64(-2, 63));
  printf("two_pow64(7, 0) = %lld\n", two_pow64(7, 0));
  printf("one_eighth(100.0f) = %.4f\n", one_eighth(100.0f));
  printf("one_eighth(-1e-3f) = %g\n", one_eighth(-1e-3f));
  printf("one_mix(0.5) = %.3f\n", one_mix(0.5));
  printf("one_mix(-1e10) = %.3f\n", one_mix(-1e10));
  printf("one_u64(0) = %llu\n", one_u64(0));
  printf("one_u64(max) = %llu\n", one_u64(~0ULL));
  printf("one_narrow(200) = %d\n", one_narrow(200));
  printf("three_mix direct = %.6f\n", three_mix(1, 2, 3.5f, 4.25));
  return 0;
}
