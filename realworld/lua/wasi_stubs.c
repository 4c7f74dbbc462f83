/* Functions wasi-libc declares but does not define, which the Lua library
 * calls (io.tmpfile, os.tmpname, os.execute). WASI has no processes and no
 * temporary files: each fails as C allows it to. Linked into the wasm
 * interpreter main, which serves them to liblua.so like the rest of libc. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

FILE *tmpfile(void) {
  errno = ENOTSUP;
  return NULL;
}

char *tmpnam(char *s) {
  (void)s;
  errno = ENOTSUP;
  return NULL;
}

/* system(NULL) == 0: no command processor is available. */
int system(const char *command) {
  if (command == NULL)
    return 0;
  errno = ENOSYS;
  return -1;
}
