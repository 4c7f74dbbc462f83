/* libcwa.so: functions reached only through pointers (in its own data, in
 * another library's data, in an atexit list), functions nothing calls, and
 * data full of pointers that need relocations. */
#include <stdio.h>
#include <stdlib.h>

int a_counter = 3;
static const char a_str[] = "gamma";
const char *a_names[] = {"alpha", "beta", a_str, 0};
extern int b_value;
int *a_ptr_to_b = &b_value;
int *a_ptr_to_self = &a_counter;

int a_cmp(const void *x, const void *y) {
  int l = *(const int *)x, r = *(const int *)y;
  return (l > r) - (l < r);
}
int a_twice(int x) { return 2 * x; }
static int a_hidden(int x) { return x + 1000; }

struct ops {
  int (*hidden)(int);
  int (*twice)(int);
  const char **names;
};
struct ops a_ops = {a_hidden, a_twice, a_names};

/* Nothing calls these, nothing takes their address. */
int a_unused(int x) { return x * 7 + a_counter; }
int a_unused_too(int x) { return a_unused(x) - 1; }

static void a_bye(void) { printf("a: bye, counter %d\n", a_counter); }
__attribute__((constructor)) static void a_init(void) {
  a_counter += 1;
  atexit(a_bye);
}
