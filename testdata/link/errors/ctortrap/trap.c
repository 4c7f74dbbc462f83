/* libtrap.so: its constructor traps. */
int trap_value = 1;
__attribute__((constructor)) static void trap_ctor(void) {
  if (trap_value) __builtin_trap();
}
int trap_get(void) { return trap_value; }
