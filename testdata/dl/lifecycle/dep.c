/* libdep.so: opened directly and also NEEDED by libuser.so. */
#include <stdio.h>
int dep_value = 5;
int dep_get(void) { return dep_value; }
__attribute__((destructor)) static void dep_dtor(void) { printf("dep dtor (value %d)\n", dep_value); }
