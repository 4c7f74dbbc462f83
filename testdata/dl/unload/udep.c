/* libudep.so: needed only by libu.so. */
#include <stdio.h>
static int calls;
__attribute__((constructor)) static void ctor(void) { printf("libudep: constructor\n"); }
__attribute__((destructor)) static void dtor(void) { printf("libudep: destructor\n"); }
int udep_value(void) { return ++calls; }
