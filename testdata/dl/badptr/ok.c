/* libok.so */
int ok(void) { return 7; }
