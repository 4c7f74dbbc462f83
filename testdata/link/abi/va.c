/* libva.so: variadic functions, and va_list passed on to libfmt.so. */
#include <stdarg.h>
#include <stdio.h>
int fmt_vformat(char *buf, int size, const char *fmt, va_list ap);

/* sums its arguments as described by kinds: i int, l long long, d double, s string length */
double va_sum(const char *kinds, ...) {
  va_list ap;
  double total = 0;
  va_start(ap, kinds);
  for (const char *k = kinds; *k; k++) {
    switch (*k) {
    case 'i': total += va_arg(ap, int); break;
    case 'l': total += (double)va_arg(ap, long long); break;
    case 'd': total += va_arg(ap, double); break;
    case 's': {
      const char *s = va_arg(ap, const char *);
      while (*s++) total += 1;
      break;
    }
    }
  }
  va_end(ap);
  return total;
}

int va_format(char *buf, int size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = fmt_vformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

/* walks a va_list twice: va_copy across a call into another library */
int va_twice(char *buf, int size, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = fmt_vformat(buf, size, fmt, ap);
  n += fmt_vformat(buf + n, size - n, fmt, ap2);
  va_end(ap2);
  va_end(ap);
  return n;
}
