/* minirt: printf (%s %c %d %u %x %llu and %%), exit, sbrk and the memory
 * functions clang may call, over WASI directly. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "minirt.h"

struct ciovec {
  const void *buf;
  size_t len;
};
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write"))) int
wasi_fd_write(int fd, const struct ciovec *iov, size_t n, size_t *written);
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_exit"))) _Noreturn void
wasi_proc_exit(int status);

static char out[4096];
static size_t used;

int fflush(int unused) {
  (void)unused;
  size_t done = 0;
  while (done < used) {
    struct ciovec iov = {out + done, used - done};
    size_t w = 0;
    if (wasi_fd_write(1, &iov, 1, &w) != 0 || w == 0) break;
    done += w;
  }
  used = 0;
  return 0;
}

static void put(char c) {
  if (used == sizeof out) fflush(0);
  out[used++] = c;
  if (c == '\n') fflush(0);
}

static void put_u(unsigned long long v, unsigned base) {
  char d[24];
  int k = 0;
  do {
    d[k++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (k) put(d[--k]);
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      put(*fmt);
      continue;
    }
    int longs = 0;
    while (*++fmt == 'l') longs++;
    switch (*fmt) {
    case 's':
      for (const char *s = va_arg(ap, const char *); *s; s++) put(*s);
      break;
    case 'c':
      put((char)va_arg(ap, int));
      break;
    case 'd': {
      long long v = longs >= 2 ? va_arg(ap, long long) : va_arg(ap, int);
      if (v < 0) {
        put('-');
        v = -v;
      }
      put_u((unsigned long long)v, 10);
      break;
    }
    case 'u':
      put_u(longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10);
      break;
    case 'x':
      put_u(longs >= 2 ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16);
      break;
    case '%':
      put('%');
      break;
    default:
      put('?');
    }
  }
  va_end(ap);
  return 0;
}

_Noreturn void exit(int status) {
  fflush(0);
  wasi_proc_exit(status);
}

/* sbrk as wasi-libc has it: memory.size and memory.grow, in whole pages. */
void *sbrk(intptr_t increment) {
  if (increment == 0) return (void *)(__builtin_wasm_memory_size(0) * 65536);
  if (increment < 0 || increment % 65536) return (void *)-1;
  int32_t old = __builtin_wasm_memory_grow(0, (size_t)increment / 65536);
  if (old < 0) return (void *)-1;
  return (void *)((uintptr_t)old * 65536);
}

void *memset(void *d, int c, size_t n) {
  unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}

void *memcpy(void *restrict d, const void *restrict s, size_t n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  if (p < q) {
    while (n--) *p++ = *q++;
  } else {
    while (n--) p[n] = q[n];
  }
  return d;
}
