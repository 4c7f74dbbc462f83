/* libstate.so: uses libc state that lives in the main: errno, strtok's
 * position, the environment, rand's seed, stdout's buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long state_parse(const char *s, int *err) {
  errno = 0;
  long v = strtol(s, NULL, 10);
  *err = errno;
  return v;
}
int state_errno(void) { return errno; }
void state_set_errno(int e) { errno = e; }
char *state_next_token(void) { return strtok(NULL, ","); }
const char *state_getenv(const char *k) { return getenv(k); }
int state_setenv(const char *k, const char *v) { return setenv(k, v, 1); }
int state_rand(void) { return rand(); }
void state_srand(unsigned s) { srand(s); }
void state_partial(const char *s) { fputs(s, stdout); }
FILE *state_stdout(void) { return stdout; }
