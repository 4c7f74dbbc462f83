/* libcstate: the libc state a library shares with the main, since libc
 * lives in the main only: errno set on either side and read on the other,
 * strtok's position, setenv/getenv, rand's seed, and one stdout buffer
 * (a line built from pieces printed by both). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long state_parse(const char *s, int *err);
int state_errno(void);
void state_set_errno(int e);
char *state_next_token(void);
const char *state_getenv(const char *k);
int state_setenv(const char *k, const char *v);
int state_rand(void);
void state_srand(unsigned s);
void state_partial(const char *s);
FILE *state_stdout(void);

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void) {
  int err = -1;
  long v = state_parse("99999999999999999999999", &err);
  printf("overflow: value is LONG_MAX %s, ERANGE in lib %s, errno in main ERANGE %s\n", yesno(v == LONG_MAX),
         yesno(err == ERANGE), yesno(errno == ERANGE));
  errno = EDOM;
  printf("main set EDOM, lib sees EDOM: %s\n", yesno(state_errno() == EDOM));
  state_set_errno(ENOENT);
  printf("lib set ENOENT, main sees ENOENT: %s\n", yesno(errno == ENOENT));
  printf("parse(\"123\") = %ld\n", state_parse("123", &err));

  char list[] = "alpha,beta,,gamma,delta";
  printf("tokens: %s", strtok(list, ","));
  for (char *t; (t = state_next_token()) != NULL;) printf(" %s", t);
  printf("\n");

  printf("WASMDL_STATE_VAR before: %s\n", state_getenv("WASMDL_STATE_VAR") ? "set" : "unset");
  setenv("WASMDL_STATE_VAR", "from main", 1);
  printf("lib getenv: %s\n", state_getenv("WASMDL_STATE_VAR"));
  state_setenv("WASMDL_STATE_VAR", "from lib");
  printf("main getenv: %s\n", getenv("WASMDL_STATE_VAR"));

  srand(12345);
  int a1 = rand(), a2 = state_rand(), a3 = rand();
  state_srand(12345);
  int b1 = state_rand(), b2 = rand(), b3 = state_rand();
  printf("one rand sequence: %s\n", yesno(a1 == b1 && a2 == b2 && a3 == b3 && a1 != a2));

  printf("same stdout: %s\n", yesno(state_stdout() == stdout));
  printf("pieces: ");
  state_partial("lib ");
  printf("main ");
  state_partial("lib\n");
  return 0;
}
