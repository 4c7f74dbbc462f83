/* libprov.so: defines provided(); opened with RTLD_GLOBAL after libneedy.so. */
#include <stdio.h>
int prov_calls;
int provided(int x) { prov_calls++; return x * 10; }
__attribute__((destructor)) static void prov_dtor(void) { printf("libprov.so destructor after %d calls\n", prov_calls); }
