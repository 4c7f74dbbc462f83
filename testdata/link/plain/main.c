/* plain: an ordinary WASI command (crt1's _start, its own memory, table and
 * stack, no dylink.0): wasmdl must simply run it, with arguments,
 * environment, atexit and the exit status. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler runs\n"); }

int main(int argc, char **argv) {
  atexit(bye);
  printf("argc = %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = %s\n", i, argv[i]);
  const char *v = getenv("PLAIN_VAR");
  printf("PLAIN_VAR = %s\n", v ? v : "(unset)");
  printf("no newline at the end, exit 4");
  return 4;
}
