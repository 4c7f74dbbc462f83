/* What SQLite 3.40.1's Unix VFS needs from the C library and Debian's 2022
 * wasi-libc lacks (SQLite learned about WASI only in 3.41). Included into
 * sqlite3.c for the wasm builds alone (realworld/build.sh); the native build
 * uses glibc's real functions.
 *
 * WASI has no advisory file locks, no file modes or owners and no user ids.
 * A wasm program owns its files alone, so: setting or testing a lock
 * succeeds and finds no other holder, fchmod and fchown succeed without
 * effect, and geteuid is not root (SQLite then never calls fchown). */
#ifndef RW_SQLITE_WASI_PORT_H
#define RW_SQLITE_WASI_PORT_H

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif
#ifndef F_GETLK
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#endif

/* rw_fcntl is fcntl with the locking commands answered here. SQLite passes
 * a third argument to every fcntl call it makes. */
static inline int rw_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  if (cmd == F_GETLK) {
    struct flock *lk = va_arg(ap, struct flock *);
    va_end(ap);
    lk->l_type = F_UNLCK;
    return 0;
  }
  if (cmd == F_SETLK || cmd == F_SETLKW) {
    va_end(ap);
    return 0;
  }
  int arg = va_arg(ap, int);
  va_end(ap);
  return fcntl(fd, cmd, arg);
}

static inline int rw_fchmod(int fd, mode_t mode) {
  (void)fd;
  (void)mode;
  return 0;
}

static inline int rw_fchown(int fd, uid_t uid, gid_t gid) {
  (void)fd;
  (void)uid;
  (void)gid;
  return 0;
}

static inline uid_t rw_geteuid(void) { return 1000; }

#define fcntl rw_fcntl
#define fchmod rw_fchmod
#define fchown rw_fchown
#define geteuid rw_geteuid

#endif
