/* args: argv[1..] and an environment variable, printed via a library. */
#include <stdio.h>
#include <stdlib.h>
void show_arg(int i, const char *s);
int main(int argc, char **argv) {
  printf("argc-1 = %d\n", argc - 1);
  for (int i = 1; i < argc; i++) show_arg(i, argv[i]);
  const char *g = getenv("WASMDL_TEST_GREETING");
  printf("WASMDL_TEST_GREETING = %s\n", g ? g : "(unset)");
  const char *u = getenv("WASMDL_TEST_UNSET");
  printf("WASMDL_TEST_UNSET = %s\n", u ? u : "(unset)");
  return argc == 4 ? 0 : 1;
}
