/* sub/libtwin.so: opened under two different path names. */
int twin_count;
int twin_ctor_runs;
__attribute__((constructor)) static void twin_ctor(void) { twin_ctor_runs++; }
int twin_next(void) { return ++twin_count; }
