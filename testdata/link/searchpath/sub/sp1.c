/* sub/libsp1.so: NEEDED libsp2.so (also in sub/) */
#include <stdio.h>
int sp2_value(void);
extern const char sp2_where[];
int sp1_value(void) {
  printf("libsp1: found libsp2, which says \"%s\"\n", sp2_where);
  return sp2_value() * 2;
}
