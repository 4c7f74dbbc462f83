/* libcwb.so: needs libcwa.so; holds pointers to libcwa's functions and data
 * in its own data, and a chain of functions nothing calls. */
#include <stdio.h>
#include <stdlib.h>

int a_cmp(const void *, const void *);
int a_twice(int);
int a_unused(int);
extern int a_counter;
extern const char *a_names[];

int b_value = 42;
int (*b_cmp)(const void *, const void *) = a_cmp;
static int b_neg(int x) { return -x; }
struct op {
  const char *name;
  int (*fn)(int);
};
struct op b_table[] = {{"twice", a_twice}, {"neg", b_neg}, {0, 0}};
int *b_ptr_to_a = &a_counter;
const char **b_names = a_names;

int b_call_through(int (*f)(int), int x) { return f(x); }

/* Unreachable: calls a_unused, which nothing else calls either. */
int b_unused_chain(int x) { return a_unused(x) + b_neg(x); }

static void b_bye(void) { printf("b: bye, value %d\n", b_value); }
__attribute__((constructor)) static void b_init(void) {
  b_value += a_counter; /* a's constructor ran first: 42 + 4 */
  atexit(b_bye);
}
