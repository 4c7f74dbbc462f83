/* searchpath: the libraries live in sub/ and are found through -L sub
 * (or WASMDL_LIBRARY_PATH). */
#include <stdio.h>
int sp1_value(void);
int main(void) {
  printf("main: sp1_value() = %d\n", sp1_value());
  return 0;
}
