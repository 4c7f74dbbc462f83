/* libright.so */
const char *which(void) { return "right"; }
const char *depth(void) { return "right"; }
