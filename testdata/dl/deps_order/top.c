/* libtop.so: NEEDED libleft.so then libright.so. */
int only_top(void) { return 1; }
