/* libch1.so: chain link 1 (NEEDED libseq.so). Prints from its constructor and destructor. */
#include <stdio.h>
void ctor_record(int id);

__attribute__((constructor)) static void c1_ctor(void) {
  ctor_record(1);
  printf("ctor c1\n");
}
__attribute__((destructor)) static void c1_dtor(void) { printf("dtor c1\n"); }
void c1_touch(void) { }
