/* libfl.so: one side of the diamond over libfbase.so; its destructor only
 * records that it ran (the order of the two sides is not fixed). */
extern int fl_done;
__attribute__((destructor)) static void l_dtor(void) { fl_done = 1; }
