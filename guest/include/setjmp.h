/* setjmp.h for WebAssembly guests run by wasmdl.
 *
 * Debian's wasi-libc has none. Compile every module that calls setjmp or
 * longjmp with
 *
 *     -mexception-handling -mllvm -wasm-enable-sjlj
 *
 * clang then turns the calls into calls of __wasm_setjmp,
 * __wasm_setjmp_test and __wasm_longjmp and catches of the exception tag
 * __c_longjmp; wasmdl provides those (unless the program's libc does) and
 * one tag per process, so a longjmp crosses modules in either direction.
 */
#ifndef WASMDL_SETJMP_H
#define WASMDL_SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime keeps 16 bytes in it; the rest is room to spare. */
typedef struct {
  unsigned long __buf[8];
} jmp_buf[1];
typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf env) __attribute__((returns_twice));
_Noreturn void longjmp(jmp_buf env, int val);

/* No signal masks in WASI: the _ and sig variants are the same calls. */
#define _setjmp(env) setjmp(env)
#define _longjmp(env, val) longjmp(env, val)
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)

#ifdef __cplusplus
}
#endif

#endif
