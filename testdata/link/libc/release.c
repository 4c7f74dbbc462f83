/* librelease.so: frees memory allocated elsewhere; provides qsort comparators. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void release(void *p, const char *what) {
  printf("librelease: freeing %s\n", what);
  free(p);
}

int cmp_int_asc(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

int cmp_str_desc(const void *a, const void *b) {
  return -strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sort_ints(int *a, int n) { qsort(a, (size_t)n, sizeof(int), cmp_int_asc); }
