/* libtls: thread-local data (real TLS: built with -matomics -mbulk-memory
 * and linked with --shared-memory), so dylink.0 has EXPORT_INFO with TLS flags. */
_Thread_local int tls_counter = 5;
_Thread_local char tls_buf[16];
int plain_value = 3;

int tls_next(void) { return ++tls_counter; }
char *tls_buf_addr(void) { return tls_buf; }
