/* libdeep.so: needed by libleft.so only. */
const char *depth(void) { return "deep"; }
const char *only_deep(void) { return "deep"; }
