#include <stdio.h>

const char *hook(void);

const char *b_call(void) { return hook(); }

__attribute__((destructor)) static void bye(void) { printf("libhookb.so unloaded\n"); }
