/* libldep.so: NEEDED by liblocal.so. */
int ldep_value(void) { return 7; }
