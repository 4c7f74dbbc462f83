/* libleft.so: NEEDED libdeep.so. */
const char *which(void) { return "left"; }
