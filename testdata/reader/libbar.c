/* libbar: a leaf shared library exporting functions and data, with a constructor. */
int bar_values[8] = {1, 1, 2, 3, 5, 8, 13, 21};
const char *bar_name = "libbar";
int bar_ctor_ran;

__attribute__((constructor)) static void bar_init(void) { bar_ctor_ran = 1; }

int bar_sum(int n) {
  int s = 0;
  for (int i = 0; i < n && i < 8; i++) s += bar_values[i];
  return s;
}

long long bar_mul64(long long a, long long b) { return a * b; }

double bar_scale(double x) { return x * 1.5; }
