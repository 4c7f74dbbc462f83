/* libtabfns.so: functions and a 200-entry array; its own 200-entry table
 * of pointers into main's data and to functions in main and in itself. */
#include <stdio.h>

int tf0(int x) { return x + 0; }
int tf1(int x) { return x * 2; }
int tf2(int x) { return x - 3; }
int tf3(int x) { return x ^ 5; }
int lib_vals[200];

extern int main_vals[200];
int mf0(int x);
int mf1(int x);

#define E(a, b) &main_vals[(a) * 10 + (b)],
#define ROW(a) E(a, 0) E(a, 1) E(a, 2) E(a, 3) E(a, 4) E(a, 5) E(a, 6) E(a, 7) E(a, 8) E(a, 9)
int *lib_ptr_table[200] = {ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9)
                           ROW(10) ROW(11) ROW(12) ROW(13) ROW(14) ROW(15) ROW(16) ROW(17) ROW(18) ROW(19)};

typedef int (*fn_t)(int);
#define FROW tf0, mf0, tf1, mf1, tf2, tf3, mf0, tf1, tf2, mf1,
fn_t lib_fn_table[200] = {FROW FROW FROW FROW FROW FROW FROW FROW FROW FROW
                          FROW FROW FROW FROW FROW FROW FROW FROW FROW FROW};

void lib_verify(void) {
  int bad = 0;
  long sum = 0;
  for (int i = 0; i < 200; i++) {
    if (lib_ptr_table[i] != &main_vals[i]) bad++;
    sum += *lib_ptr_table[i];
  }
  printf("lib: ptr table mismatches=%d sum=%ld\n", bad, sum);
  long fsum = 0;
  for (int i = 0; i < 200; i++) fsum += lib_fn_table[i](i);
  printf("lib: fn table sum=%ld\n", fsum);
}
