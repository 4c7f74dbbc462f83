/* data: extern data defined in a library read and written by main, and
 * main's data read and written by the library. */
#include <stdio.h>
#include <string.h>

struct point { int x, y; };

extern int lib_counter;
extern int lib_array[5];
extern struct point lib_point;
extern char lib_name[16];
extern long long lib_big;
void lib_bump(void);
void lib_report(const char *when);

int main_value = 7;
int main_array[4] = {1, 2, 3, 4};
char main_text[] = "main text";

int main(void) {
  lib_report("start");
  lib_counter++;
  for (int i = 0; i < 5; i++) lib_array[i] = i * i;
  lib_point.y = -lib_point.x;
  strcpy(lib_name, "changed");
  lib_big += 1;
  main_text[0] = 'M';
  lib_report("after main writes");
  lib_bump();
  printf("main sees: lib_counter=%d main_value=%d main_array={%d,%d,%d,%d}\n", lib_counter,
         main_value, main_array[0], main_array[1], main_array[2], main_array[3]);
  printf("main sees: point=(%d,%d) name=%s big=%lld\n", lib_point.x, lib_point.y, lib_name, lib_big);
  return 0;
}
