/* ctors: constructor order over a chain (libch3 -> libch2 -> libch1 -> libseq)
 * and a diamond (libl, libr -> libbase -> libseq): dependencies first, main
 * last; destructors and atexit handlers at exit. */
#include <stdio.h>
#include <stdlib.h>

void ctor_record(int id);
int ctor_position(int id);
int ctor_times(int id);
extern int ctor_count;
extern int l_saw_base, r_saw_base;
void c3_touch(void);
void c3_register(void);

__attribute__((constructor(101))) static void main_ctor_early(void) {
  ctor_record(100);
  printf("ctor main (priority 101)\n");
}
__attribute__((constructor(200))) static void main_ctor_late(void) {
  ctor_record(101);
  printf("ctor main (priority 200)\n");
}
__attribute__((destructor)) static void main_dtor(void) { printf("dtor main\n"); }
static void main_atexit(void) { printf("atexit handler registered by main\n"); }

static const char *yesno(int b) { return b ? "yes" : "no"; }

int main(void) {
  c3_touch();
  printf("main runs, %d constructors recorded\n", ctor_count);
  printf("chain order c1 < c2 < c3: %s\n", yesno(ctor_position(1) < ctor_position(2) && ctor_position(2) < ctor_position(3)));
  printf("diamond: base before l: %s, base before r: %s\n", yesno(ctor_position(10) < ctor_position(11)),
         yesno(ctor_position(10) < ctor_position(12)));
  printf("diamond: l saw base ready: %s, r saw base ready: %s\n", yesno(l_saw_base), yesno(r_saw_base));
  printf("each ran once: %s\n", yesno(ctor_times(1) == 1 && ctor_times(2) == 1 && ctor_times(3) == 1 &&
                                   ctor_times(10) == 1 && ctor_times(11) == 1 && ctor_times(12) == 1));
  int last_lib = 0;
  int ids[6] = {1, 2, 3, 10, 11, 12};
  for (int i = 0; i < 6; i++)
    if (ctor_position(ids[i]) > last_lib) last_lib = ctor_position(ids[i]);
  printf("main's constructors after all libraries: %s\n", yesno(ctor_position(100) > last_lib && ctor_position(101) > ctor_position(100)));
  atexit(main_atexit);
  c3_register();
  printf("main returns\n");
  return 0;
}
