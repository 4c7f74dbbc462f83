/* libextra.so: "HELLO" in its own data; prints via printf (from the main). */
#include <stdio.h>

static const char greeting[6] = "HELLO";

const char *extra_greeting(void) {
  printf("libextra: my data is %s\n", greeting);
  return greeting;
}
