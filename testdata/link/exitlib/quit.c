/* libquit.so: calls exit(5) after printing (without a final newline). */
#include <stdio.h>
#include <stdlib.h>
void quit_now(const char *why) {
  printf("libquit: exiting because %s\n", why);
  printf("libquit: bye (no newline)");
  exit(5);
}
