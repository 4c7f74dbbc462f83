/* libfnright.so: NEEDED libfncore.so; keeps the address in static data too. */
#include <stdio.h>
typedef int (*fn_t)(int);
int core_fn(int x);
fn_t right_static_core = core_fn;
void *right_static_printf = (void *)printf;
fn_t right_get_core(void) { return &core_fn; }
void *right_get_printf(void) { return (void *)&printf; }
int right_call(fn_t f, int x) { return f(x) + 2; }
