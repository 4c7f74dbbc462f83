/* libtwo.so: NEEDED libthree.so */
int three_add(int a, int b);
long long three_mul64(long long a, long long b);
float three_halve(float x);
double three_mix(int a, long long b, float c, double d);

int two_add3(int a, int b, int c) { return three_add(three_add(a, b), c); }
long long two_pow64(long long base, int e) {
  long long r = 1;
  while (e-- > 0) r = three_mul64(r, base);
  return r;
}
float two_quarter(float x) { return three_halve(three_halve(x)); }
double two_mix(double d) { return three_mix(-7, 10000000000LL, 0.25f, d); }
unsigned long long two_u64(unsigned long long x) { return x ^ 0xF0F0F0F0F0F0F0F0ULL; }
