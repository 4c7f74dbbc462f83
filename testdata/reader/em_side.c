/* Emscripten side module: data, a data pointer and a function pointer, no libc. */
int em_values[4] = {2, 3, 5, 7};
int *em_value_ptr = &em_values[2];

static int em_square(int x) { return x * x; }
int (*em_fn_ptr)(int) = em_square;

int em_compute(int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += em_values[i & 3];
  return s + em_fn_ptr(n) + *em_value_ptr;
}
