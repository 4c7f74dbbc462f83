/* libsecond.so: defines the same dup_var, dup_arr and dup_fn as libfirst.so
 * (loaded earlier) and the same main_over_var and main_over_fn as the main.
 * Its references go through the GOT, so the earlier definitions win. Its own
 * calls to dup_fn are not checked: wasm-ld binds a library's calls to its own
 * functions directly, glibc does not (see the README of testdata/dl). */
int dup_var = 2;
int dup_arr[4] = {20, 21, 22, 23};
const char *dup_fn(void) { return "libsecond's dup_fn"; }
int main_over_var = 5;
int main_over_fn(int x) { return x - 1; }
extern int first_only;

int *second_ptr = &dup_var;       /* initialised pointers to interposed data */
int *second_arr_ptr = &dup_arr[2];
int *second_over_ptr = &main_over_var;
const char *(*second_fn_ptr)(void) = dup_fn;
int (*second_over_fn_ptr)(int) = main_over_fn;
int *second_first_only_ptr = &first_only;

int second_read_dup(void) { return dup_var; }
int second_read_arr(int i) { return dup_arr[i]; }
int second_read_over(void) { return main_over_var; }
void second_write(int v) { dup_var = v; main_over_var = v + 1; dup_arr[3] = v + 2; }
int *second_dup_addr(void) { return &dup_var; }
const char *(*second_dup_fn_addr(void))(void) { return dup_fn; }
int (*second_over_fn_addr(void))(int) { return main_over_fn; }
