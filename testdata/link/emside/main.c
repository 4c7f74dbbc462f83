/* emside: a wasi-libc main calling an Emscripten side module. */
#include <stdio.h>
extern int side_values[4];
extern int *side_value_ptr;
extern int side_calls;
int side_compute(int n);
long long side_wide(long long a, int shift);
double side_avg(double a, double b);

int main(void) {
  printf("side_compute(0) = %d\n", side_compute(0));
  printf("side_compute(6) = %d\n", side_compute(6));
  side_values[3] = 100;
  printf("after main wrote side_values[3]: side_compute(2) = %d\n", side_compute(2));
  printf("side_value_ptr == &side_values[3]: %s\n", side_value_ptr == &side_values[3] ? "yes" : "no");
  printf("side_wide(5, 40) = %lld\n", side_wide(5, 40));
  printf("side_avg(1.5, 2.25) = %.3f\n", side_avg(1.5, 2.25));
  printf("side_calls = %d\n", side_calls);
  return 0;
}
