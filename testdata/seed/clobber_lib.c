/* SEED exp3 (lib): writes "abcde" into a 16-byte stack buffer. The empty asm
 * makes the buffer's address escape, so it stays one contiguous array in
 * linear memory (on this module's own stack) at -O2. */
__attribute__((export_name("func"))) void func(void) {
  char buf[16];
  buf[0] = 'a', buf[1] = 'b', buf[2] = 'c', buf[3] = 'd', buf[4] = 'e', buf[5] = 0;
  __asm__ volatile("" : : "r"(buf) : "memory");
}
