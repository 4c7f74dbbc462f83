/* libr1.so, in deps/: needs libr2.so, which lives in deps/more/. */
int r2_value(void);
const char *r2_where(void);
int r1_value(void) { return 100 + r2_value(); }
const char *r1_where(void) { return r2_where(); }
