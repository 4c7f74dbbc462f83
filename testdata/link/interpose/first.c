/* libfirst.so: loaded before libsecond.so, so its definitions of dup_var,
 * dup_arr and dup_fn are the ones every module binds to. */
int dup_var = 1;
int dup_arr[4] = {10, 11, 12, 13};
const char *dup_fn(void) { return "libfirst's dup_fn"; }
int first_only = 7;
