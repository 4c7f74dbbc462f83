/* libfirst.so's own definitions, in their own file so that the compiler
   cannot inline them into their callers in first.c. */
const char *who(void) { return "first"; }
int scale(int x) { return x * 2; }
const char *tag(void) { return "first's tag"; }
