/* libtlsuse.so: per-thread state with an initial value and a zeroed part. */
#include <stdio.h>
_Thread_local int tls_counter = 41;
_Thread_local char tls_buf[32];
int tls_next(void) { return ++tls_counter; }
int *tls_counter_addr(void) { return &tls_counter; }
const char *tls_label(void) {
  snprintf(tls_buf, sizeof tls_buf, "counter=%d buf0=%d", tls_counter, 0);
  return tls_buf;
}
