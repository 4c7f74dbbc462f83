/* libfncore.so: defines the function whose address everyone takes. */
int core_fn(int x) { return x * 10 + 1; }
static int core_private(int x) { return -x; }
typedef int (*fn_t)(int);
fn_t core_get_self(void) { return &core_fn; }
fn_t core_get_private(void) { return &core_private; }
