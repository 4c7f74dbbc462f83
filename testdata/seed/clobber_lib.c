/* SEED exp3 (lib): writes "abcde" into a 16-byte stack buffer. volatile
 * keeps the buffer in linear memory (on this module's own stack) at -O2. */
__attribute__((export_name("func"))) void func(void) {
  volatile char buf[16];
  const char *s = "abcde";
  for (int i = 0; i < 6; i++) buf[i] = s[i];
}
