/* libfr.so: one side of the diamond over libfbase.so; its destructor only
 * records that it ran (the order of the two sides is not fixed). */
extern int fr_done;
__attribute__((destructor)) static void r_dtor(void) { fr_done = 1; }
