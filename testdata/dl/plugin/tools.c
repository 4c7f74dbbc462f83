/* libtools.so: a plugin that misbehaves on demand, for the Go API's tests
 * of a host that must survive its plugins (no libc: WASI directly).
 *
 *   count()        how many times it was called since load
 *   trap_now()     executes unreachable
 *   overflow(n)    recurses with a 4 KiB frame until the stack runs out
 *   spin()         loops forever
 *   say_hello()    writes "hello from a plugin\n" to stdout through WASI
 *   log_twice(x)   calls the host's host_log(x) twice, returns x + 1
 *   stack_probe()  the stack pointer, through a local's address
 */
#include <stddef.h>

struct ciovec {
  const void *buf;
  size_t len;
};
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write"))) int
fd_write(int fd, const struct ciovec *iov, size_t n, size_t *written);
void host_log(int x);

static int calls;

int count(void) { return ++calls; }

int trap_now(void) { __builtin_trap(); }

int overflow(int n) {
  volatile char frame[4096];
  frame[n % 4096] = (char)n;
  return overflow(n + 1) + frame[(n * 7) % 4096];
}

void spin(void) {
  volatile int x = 0;
  for (;;) x++;
}

int say_hello(void) {
  static const char msg[] = "hello from a plugin\n";
  struct ciovec iov = {msg, sizeof msg - 1};
  size_t n = 0;
  return fd_write(1, &iov, 1, &n) == 0 ? (int)n : -1;
}

int log_twice(int x) {
  host_log(x);
  host_log(x);
  return x + 1;
}

long stack_probe(void) {
  volatile char here;
  return (long)&here;
}
