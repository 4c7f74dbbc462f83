/* libshow.so: prints one argument. */
#include <stdio.h>
#include <string.h>
void show_arg(int i, const char *s) { printf("argv[%d] = \"%s\" (len %zu)\n", i, s, strlen(s)); }
