/* liballoc.so: allocates and formats strings (malloc/calloc/realloc/snprintf from the main). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *alloc_label(const char *prefix, int n) {
  char tmp[64];
  int len = snprintf(tmp, sizeof tmp, "%s-%03d", prefix, n);
  char *p = malloc((size_t)len + 1);
  memcpy(p, tmp, (size_t)len + 1);
  printf("liballoc: made \"%s\" (%d chars)\n", p, len);
  return p;
}

int *alloc_numbers(int n) {
  int *a = calloc((size_t)n, sizeof(int));
  for (int i = 0; i < n; i++) a[i] = (i * 37 + 11) % 101 - 50;
  return a;
}

char *alloc_grow(char *s, const char *more) {
  size_t a = strlen(s), b = strlen(more);
  s = realloc(s, a + b + 1);
  memcpy(s + a, more, b + 1);
  return s;
}
