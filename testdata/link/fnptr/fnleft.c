/* libfnleft.so: NEEDED libfncore.so */
#include <stdio.h>
typedef int (*fn_t)(int);
int core_fn(int x);
fn_t left_get_core(void) { return &core_fn; }
void *left_get_printf(void) { return (void *)&printf; }
int left_call(fn_t f, int x) { return f(x) + 1; }
