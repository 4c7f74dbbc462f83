/* libr2.so, in deps/more/. */
int r2_value(void) { return 23; }
const char *r2_where(void) { return "libr2.so found through libr1.so's RUNTIME_PATH"; }
