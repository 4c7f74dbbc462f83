/* minirt: the little a freestanding PIE main needs (no libc can be linked
 * into a PIE: Debian's wasi-libc is not position-independent). */
#ifndef MINIRT_H
#define MINIRT_H
#include <stddef.h>
#include <stdint.h>

#define stdout 0
int printf(const char *fmt, ...);
int fflush(int unused);
_Noreturn void exit(int status);
void *malloc(size_t n);
void free(void *p);
void *realloc(void *p, size_t n);
#endif
