/* tls: a library with thread-local data (wasm TLS: -matomics, shared
 * memory, __wasm_init_tls), used from the main through its functions and
 * through the address of its TLS variable. */
#include <stdio.h>
int tls_next(void);
int *tls_counter_addr(void);
const char *tls_label(void);
int main(void) {
  printf("first: %d\n", tls_next());
  printf("second: %d\n", tls_next());
  int *p = tls_counter_addr();
  *p += 100;
  printf("after +100 through a pointer: %d\n", tls_next());
  printf("label: %s\n", tls_label());
  return 0;
}
