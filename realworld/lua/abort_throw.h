/* Lua error handling without setjmp/longjmp, included into every Lua file
 * of the "abort" variant (realworld/build.sh, LUA_VARIANT). Debian's
 * wasi-libc has no setjmp.h, so a raised Lua error (or a coroutine yield,
 * which Lua also implements by jumping) ends the process as abort() does;
 * protected calls that raise nothing run as plain calls. The variant is used
 * for the native build too, so both run the same C.
 *
 * Nothing is included here: this header comes before lprefix.h, whose
 * feature macros must precede the first system header. */
#ifndef RW_ABORT_THROW_H
#define RW_ABORT_THROW_H

void abort(void) __attribute__((noreturn));

#define LUAI_THROW(L, c) ((void)(L), (void)(c), abort())
#define LUAI_TRY(L, c, a) \
  { a }
#define luai_jmpbuf int /* unused */

#endif
