/* tables: large static tables (200 entries) of function and data pointers
 * spanning modules, in both the main and a library. */
#include <stdio.h>

int tf0(int x);
int tf1(int x);
int tf2(int x);
int tf3(int x);
extern int lib_vals[200];
typedef int (*fn_t)(int);
extern fn_t lib_fn_table[200];
extern int *lib_ptr_table[200];
void lib_verify(void);

int main_vals[200];
int mf0(int x) { return x * x % 97; }
int mf1(int x) { return 1000 - x; }

#define E(a, b) &lib_vals[(a) * 10 + (b)],
#define ROW(a) E(a, 0) E(a, 1) E(a, 2) E(a, 3) E(a, 4) E(a, 5) E(a, 6) E(a, 7) E(a, 8) E(a, 9)
int *main_ptr_table[200] = {ROW(0) ROW(1) ROW(2) ROW(3) ROW(4) ROW(5) ROW(6) ROW(7) ROW(8) ROW(9)
                            ROW(10) ROW(11) ROW(12) ROW(13) ROW(14) ROW(15) ROW(16) ROW(17) ROW(18) ROW(19)};

#define FROW tf3, tf2, mf1, tf1, tf0, mf0, tf3, mf1, tf0, tf2,
fn_t main_fn_table[200] = {FROW FROW FROW FROW FROW FROW FROW FROW FROW FROW
                           FROW FROW FROW FROW FROW FROW FROW FROW FROW FROW};

int main(void) {
  for (int i = 0; i < 200; i++) {
    main_vals[i] = i * 3 + 1;
    lib_vals[i] = 200 - i;
  }
  int bad = 0;
  long sum = 0;
  for (int i = 0; i < 200; i++) {
    if (main_ptr_table[i] != &lib_vals[i]) bad++;
    sum += *main_ptr_table[i];
  }
  printf("main: ptr table mismatches=%d sum=%ld\n", bad, sum);
  long fsum = 0;
  int same = 0;
  for (int i = 0; i < 200; i++) {
    fsum += main_fn_table[i](i);
    for (int j = 0; j < 10; j++) same += main_fn_table[i] == lib_fn_table[j];
  }
  printf("main: fn table sum=%ld, entries equal to lib's first row: %d\n", fsum, same);
  printf("main: distinct pointers: tf0!=mf0 %s, tf3==tf3 %s\n", main_fn_table[4] != main_fn_table[5] ? "yes" : "no",
         main_fn_table[0] == lib_fn_table[5] ? "yes" : "no");
  lib_verify();
  return 0;
}
