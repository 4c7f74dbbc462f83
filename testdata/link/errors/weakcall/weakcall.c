/* libweakcall.so: nothere is weak and undefined, so it resolves to NULL;
 * calling it anyway must fail loudly. */
__attribute__((weak)) int nothere(int x);
int weakcall(int x) { return nothere(x) + 1; }
