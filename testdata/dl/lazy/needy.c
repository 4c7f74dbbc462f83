/* libneedy.so: calls provided(), which no library loaded before it
 * defines; opened with RTLD_LAZY, it is bound at the first call. */
int provided(int x);
int needy_ok(void) { return 7; }
int needy(int x) { return provided(x) + 1; }
