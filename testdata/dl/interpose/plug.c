#include <stdio.h>

const char *who(void);
const char *tag(void);
int plug_sum(int n);

void plug_report(void) {
  printf("plug: who() = %s\n", who());
  printf("plug: tag() = %s\n", tag());
}
