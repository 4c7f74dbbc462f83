/* libclobber.so: writes "abcde" into its own stack buffer. */
#include <stdio.h>

void clobber(void) {
  char buf[16];
  buf[0] = 'a', buf[1] = 'b', buf[2] = 'c', buf[3] = 'd', buf[4] = 'e', buf[5] = 0;
  __asm__ volatile("" : : "r"(buf) : "memory"); /* keep buf one array in memory */
  printf("libclobber: my stack buffer is %s\n", buf);
}

/* Each level keeps an 8 KiB buffer; returns how many levels saw their
 * own marker intact after the deeper calls returned. */
int clobber_depth(int n) {
  char buf[8192];
  for (int i = 0; i < 8192; i += 512) buf[i] = (char)('a' + n);
  __asm__ volatile("" : : "r"(buf) : "memory");
  int ok = 0;
  if (n > 0) ok = clobber_depth(n - 1);
  __asm__ volatile("" : : "r"(buf) : "memory");
  for (int i = 0; i < 8192; i += 512)
    if (buf[i] != (char)('a' + n)) return ok;
  return ok + 1;
}
