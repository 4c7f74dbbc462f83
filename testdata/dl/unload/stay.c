/* libstay.so: never closed; its destructor runs at exit. */
#include <stdio.h>
__attribute__((constructor)) static void ctor(void) { printf("libstay: constructor\n"); }
__attribute__((destructor)) static void dtor(void) { printf("libstay: destructor\n"); }
int stay(void) { return 1; }
