/* libl.so: NEEDED libbase.so */
#include <stdio.h>
extern int base_counter;
int base_inc(const char *who, int by);
int *l_counter_addr(void) { return &base_counter; }
int l_work(int n) {
  int v = 0;
  for (int i = 0; i < n; i++) v = base_inc("libl", 1);
  printf("libl: after %d increments base_counter=%d\n", n, base_counter);
  return v;
}
