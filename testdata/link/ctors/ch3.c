/* libch3.so: chain link 3 (NEEDED libch2.so). Prints from its constructor and destructor. */
#include <stdio.h>
#include <stdlib.h>
void ctor_record(int id);
void c2_touch(void);
__attribute__((constructor)) static void c3_ctor(void) {
  ctor_record(3);
  printf("ctor c3\n");
}
__attribute__((destructor)) static void c3_dtor(void) { printf("dtor c3\n"); }
void c3_touch(void) { c2_touch(); }
static void c3_atexit(void) { printf("atexit handler registered by libch3\n"); }
void c3_register(void) { atexit(c3_atexit); }
