/* libgood.so */
int good(void) { return 42; }
