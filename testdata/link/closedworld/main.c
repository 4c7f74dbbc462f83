/* closedworld: a program that cannot dlopen or dlsym, so wasmdl run merges
 * it without the functions nothing can call and with its libraries' data
 * relocations already applied. Every function reached only through a
 * pointer (sorted by qsort through another library's pointer, called from a
 * table in a library's data, an atexit handler) must still be there, every
 * pointer in the libraries' data must hold what the relocations put there,
 * also after megabytes of malloc churn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int (*b_cmp)(const void *, const void *);
int a_cmp(const void *, const void *);
int a_twice(int);
struct op {
  const char *name;
  int (*fn)(int);
};
extern struct op b_table[];
struct ops {
  int (*hidden)(int);
  int (*twice)(int);
  const char **names;
};
extern struct ops a_ops;
extern int *a_ptr_to_b, *a_ptr_to_self, *b_ptr_to_a, a_counter, b_value;
extern const char **b_names;
extern const char *a_names[];
int b_call_through(int (*f)(int), int x);

static int main_square(int x) { return x * x; }

static void show(const char *when) {
  printf("%s: b's pointers: *b_ptr_to_a %d, names", when, *b_ptr_to_a);
  for (const char **n = b_names; *n; n++) printf(" %s", *n);
  printf("\n%s: a's pointers: *a_ptr_to_b %d, *a_ptr_to_self %d, same names %s\n", when, *a_ptr_to_b,
         *a_ptr_to_self, b_names == a_names && a_ops.names == a_names ? "yes" : "no");
  for (struct op *o = b_table; o->name; o++) printf("%s: b_table %s(21) = %d\n", when, o->name, o->fn(21));
  printf("%s: a_ops hidden(5) %d twice(5) %d\n", when, a_ops.hidden(5), a_ops.twice(5));
  printf("%s: same a_twice everywhere: %s %s %s\n", when, a_ops.twice == a_twice ? "yes" : "no",
         b_table[0].fn == a_twice ? "yes" : "no", b_cmp == a_cmp ? "yes" : "no");
}

int main(void) {
  show("start");
  int v[] = {9, -3, 27, 0, 14, -8, 5};
  qsort(v, sizeof v / sizeof v[0], sizeof v[0], b_cmp);
  printf("sorted:");
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) printf(" %d", v[i]);
  printf("\ncalls through b: %d %d %d\n", b_call_through(main_square, 12), b_call_through(a_ops.hidden, 1),
         b_call_through(b_table[1].fn, 6));

  /* Megabytes of heap, every byte checked: the heap must not cover any
     library's data, nor the libraries' data the heap. */
  enum { blocks = 64, size = 64 << 10 };
  unsigned char *p[blocks];
  for (int i = 0; i < blocks; i++) {
    p[i] = malloc(size);
    if (!p[i]) return 1;
    memset(p[i], i * 37 + 1, size);
  }
  long bad = 0;
  for (int round = 0; round < 3; round++) {
    for (int i = round & 1; i < blocks; i += 2) {
      for (int k = 0; k < size; k++) bad += p[i][k] != (unsigned char)(i * 37 + 1);
      free(p[i]);
      p[i] = malloc(size + round * 4096);
      if (!p[i]) return 1;
      memset(p[i], i * 37 + 1, size);
    }
  }
  for (int i = 0; i < blocks; i++) {
    for (int k = 0; k < size; k++) bad += p[i][k] != (unsigned char)(i * 37 + 1);
    free(p[i]);
  }
  printf("heap bytes wrong: %ld\n", bad);
  show("after malloc");
  a_counter += 10;
  b_value += 100;
  return 0;
}
