/* libc: printf from libraries, malloc in one lib / free in another / free
 * in main, qsort with comparators from a library, snprintf'd strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *alloc_label(const char *prefix, int n);
int *alloc_numbers(int n);
char *alloc_grow(char *s, const char *more);
void release(void *p, const char *what);
int cmp_int_asc(const void *a, const void *b);
int cmp_str_desc(const void *a, const void *b);
void sort_ints(int *a, int n);

int main(void) {
  char *a = alloc_label("alpha", 7);
  char *b = alloc_label("beta", 42);
  char *c = alloc_label("gamma", 365);
  a = alloc_grow(a, "+grown");
  printf("main: a=%s b=%s c=%s\n", a, b, c);

  const char *names[3] = {a, b, c};
  qsort(names, 3, sizeof names[0], cmp_str_desc);
  printf("main: sorted desc: %s %s %s\n", names[0], names[1], names[2]);

  int *nums = alloc_numbers(12);
  qsort(nums, 12, sizeof(int), cmp_int_asc);
  printf("main: qsort with lib comparator:");
  for (int i = 0; i < 12; i++) printf(" %d", nums[i]);
  printf("\n");

  int more[6] = {5, -1, 3, 3, 0, -9};
  sort_ints(more, 6);
  printf("main: lib qsort:");
  for (int i = 0; i < 6; i++) printf(" %d", more[i]);
  printf("\n");

  char line[80];
  snprintf(line, sizeof line, "%s|%5.2f|%-4d|%x", b, 3.14159, 42, 255u);
  printf("main: snprintf: [%s] len=%zu\n", line, strlen(line));

  release(a, "a (malloc'd in liballoc, realloc'd)");
  release(nums, "nums (calloc'd in liballoc)");
  free(b);
  printf("main: freed b in main\n");
  free(c);

  /* the allocator still works after cross-module frees */
  char *d = malloc(1000);
  memset(d, 'x', 999);
  d[999] = 0;
  printf("main: big block len=%zu\n", strlen(d));
  free(d);
  return 0;
}
