/* libch2.so: chain link 2 (NEEDED libch1.so). Prints from its constructor and destructor. */
#include <stdio.h>
void ctor_record(int id);
void c1_touch(void);
__attribute__((constructor)) static void c2_ctor(void) {
  ctor_record(2);
  printf("ctor c2\n");
}
__attribute__((destructor)) static void c2_dtor(void) { printf("dtor c2\n"); }
void c2_touch(void) { c1_touch(); }
__attribute__((constructor(101))) static void c2_early(void) { printf("ctor c2 (priority 101)\n"); }
__attribute__((constructor(300))) static void c2_late(void) { printf("ctor c2 (priority 300)\n"); }
