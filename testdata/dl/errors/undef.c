/* libundef.so: calls missing_fn, which nobody defines. */
int missing_fn(int);
int undef_marker = 3;
int undef_ok(void) { return 5; }
int undef_bad(int x) { return missing_fn(x); }
