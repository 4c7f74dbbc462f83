/* libgreet.so: a plugin that needs libc, served by a host main that only
 * exports it (host.c). */
#include <stdio.h>
#include <stdlib.h>

int greet(int n) {
  char *buf = malloc(64);
  snprintf(buf, 64, "greetings number %d", n);
  puts(buf);
  free(buf);
  fflush(stdout);
  return n * 2;
}
