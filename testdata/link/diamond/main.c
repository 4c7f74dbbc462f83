/* diamond: main needs libl and libr, both need libbase; libbase is loaded
 * and constructed once and its data is shared. */
#include <stdio.h>
extern int base_counter;
extern int base_ctor_runs;
extern const char *base_last_caller;
int *l_counter_addr(void);
int *r_counter_addr(void);
int l_work(int n);
int r_work(int n);

int main(void) {
  printf("main: base_ctor_runs=%d base_counter=%d\n", base_ctor_runs, base_counter);
  printf("main: same counter in l, r and main: %s\n",
         l_counter_addr() == r_counter_addr() && r_counter_addr() == &base_counter ? "yes" : "no");
  int a = l_work(3);
  int b = r_work(2);
  base_counter += 1000;
  int c = l_work(1);
  printf("main: returns %d %d %d, final counter=%d last caller=%s\n", a, b, c, base_counter, base_last_caller);
  return 0;
}
