/* libfprio.so (NEEDED libfl.so, libfr.so): constructor and destructor
 * priorities inside one library, and atexit handlers registered by a
 * function the main calls. No constructor of this library calls atexit:
 * glibc runs such a handler from crtbegin's __do_global_dtors_aux, which
 * sits between the default-priority and the prioritised destructors of
 * .fini_array, while wasm has no .fini_array (clang registers destructors
 * with __cxa_atexit from the constructors, by priority), so the handler
 * would run between them in priority order. libfbase.so's constructor does
 * call atexit; it has only a default-priority destructor. */
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor(300))) static void c300(void) { printf("ctor prio 300\n"); }
__attribute__((constructor(101))) static void c101(void) { printf("ctor prio 101\n"); }
__attribute__((constructor)) static void cdef(void) { printf("ctor prio default\n"); }
__attribute__((destructor(300))) static void d300(void) { printf("dtor prio 300\n"); }
__attribute__((destructor(101))) static void d101(void) { printf("dtor prio 101\n"); }
__attribute__((destructor)) static void ddef(void) { printf("dtor prio default\n"); }
__attribute__((constructor(200))) static void c200(void) { printf("ctor prio 200\n"); }
__attribute__((destructor(200))) static void d200(void) { printf("dtor prio 200\n"); }
static void h_late2(void) { printf("atexit handler 2 registered by prio_register\n"); }
static void h_late1(void) { printf("atexit handler 1 registered by prio_register\n"); }
void prio_register(void) {
  atexit(h_late1);
  atexit(h_late2);
}
