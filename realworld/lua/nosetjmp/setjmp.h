/* Stands in for <setjmp.h>, which ldo.c includes unconditionally, in the
 * "abort" variant of the Lua build (lua/abort_throw.h): nothing in it is
 * used, and Debian's wasi-libc has no setjmp.h to include. */
#ifndef RW_NOSETJMP_H
#define RW_NOSETJMP_H
#endif
