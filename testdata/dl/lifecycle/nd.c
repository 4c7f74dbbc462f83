/* libnd.so: opened with RTLD_NODELETE: dlclose never unloads it, so its
 * destructor runs at exit, before libopener.so's (glibc finalises the
 * libraries still loaded at exit in load order, dependants first). */
#include <stdio.h>
int nd_state;
int nd_ctor_runs;
__attribute__((constructor)) static void nd_ctor(void) { nd_ctor_runs++; }
__attribute__((destructor)) static void nd_dtor(void) { printf("nd dtor (state %d)\n", nd_state); }
int nd_bump(void) { return ++nd_state; }
