/* libdata.so: data used by main, and uses data defined in main. */
#include <stdio.h>

struct point { int x, y; };

int lib_counter = 10;
int lib_array[5];
struct point lib_point = {3, 4};
char lib_name[16] = "libdata";
long long lib_big = 1LL << 40;

extern int main_value;
extern int main_array[4];
extern char main_text[];

void lib_bump(void) {
  lib_counter += 5;
  main_value += 100;
  for (int i = 0; i < 4; i++) main_array[i] *= 2;
}

void lib_report(const char *when) {
  printf("[%s] lib sees: lib_counter=%d lib_array={%d,%d,%d,%d,%d} point=(%d,%d) name=%s big=%lld\n",
         when, lib_counter, lib_array[0], lib_array[1], lib_array[2], lib_array[3], lib_array[4],
         lib_point.x, lib_point.y, lib_name, lib_big);
  printf("[%s] lib sees: main_value=%d main_array={%d,%d,%d,%d} main_text=%s\n", when, main_value,
         main_array[0], main_array[1], main_array[2], main_array[3], main_text);
}
