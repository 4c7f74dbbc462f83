#include <stdio.h>

const char *hook(void) { return "hooka"; }

__attribute__((destructor)) static void bye(void) { printf("libhooka.so unloaded\n"); }
