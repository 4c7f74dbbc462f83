/* libemside.so: an Emscripten side module (emcc -O2 -sSIDE_MODULE=1), no
 * libc: data, a pointer to its data and a function pointer. */
int side_values[4] = {2, 3, 5, 7};
int *side_value_ptr = &side_values[3];
int side_calls;

static int side_square(int x) { return x * x; }
int (*side_fn_ptr)(int) = side_square;

int side_compute(int n) {
  side_calls++;
  int s = 0;
  for (int i = 0; i < n; i++) s += side_values[i & 3] * (i + 1);
  return s + side_fn_ptr(n) + *side_value_ptr;
}

long long side_wide(long long a, int shift) { return (a << shift) | 1; }
double side_avg(double a, double b) { return (a + b) / 2; }
