#include <stdio.h>

const char *tag(void);

void second_report(void) { printf("second: tag() = %s\n", tag()); }
