#include <stdio.h>

const char *who(void);
int scale(int x);
const char *tag(void);

void first_report(void) {
  printf("first: who() = %s\n", who());
  printf("first: tag() = %s\n", tag());
}

int first_scaled(int x) { return scale(x) + 1; }
