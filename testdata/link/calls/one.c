/* libone.so: NEEDED libtwo.so */
int two_add3(int a, int b, int c);
long long two_pow64(long long base, int e);
float two_quarter(float x);
double two_mix(double d);
unsigned long long two_u64(unsigned long long x);

int one_sum(int n) {
  int s = 0;
  for (int i = 1; i <= n; i++) s = two_add3(s, i, -1);
  return s;
}
long long one_big(void) { return two_pow64(3, 39); }
float one_eighth(float x) { return two_quarter(x) / 2.0f; }
double one_mix(double d) { return two_mix(d) * 2.0; }
unsigned long long one_u64(unsigned long long x) { return two_u64(x) + 1; }
signed char one_narrow(int x) { return (signed char)x; }
