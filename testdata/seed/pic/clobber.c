/* libclobber.so: writes "abcde" into its own stack buffer. */
#include <stdio.h>

void clobber(void) {
  volatile char buf[16];
  const char *s = "abcde";
  for (int i = 0; i < 6; i++) buf[i] = s[i];
  printf("libclobber: my stack buffer is %.5s\n", (const char *)buf);
}

/* Each level keeps an 8 KiB buffer; returns how many levels saw their
 * own marker intact after the deeper calls returned. */
int clobber_depth(int n) {
  volatile char buf[8192];
  for (int i = 0; i < 8192; i += 512) buf[i] = (char)('a' + n);
  int ok = 0;
  if (n > 0) ok = clobber_depth(n - 1);
  for (int i = 0; i < 8192; i += 512)
    if (buf[i] != (char)('a' + n)) return ok;
  return ok + 1;
}
