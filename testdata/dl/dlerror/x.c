/* libx.so */
int present(void) { return 1; }
