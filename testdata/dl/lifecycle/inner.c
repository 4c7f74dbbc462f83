/* libinner.so: opened by libopener.so's constructor. */
#include <stdio.h>
int inner_calls;
int inner_twice(int x) { inner_calls++; return 2 * x; }
__attribute__((destructor)) static void inner_dtor(void) { printf("inner dtor after %d calls\n", inner_calls); }
