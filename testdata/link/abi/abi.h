/* Types shared by the abi case's main and libraries. */
#include <stdarg.h>
struct big {
  int ints[40];
  double d;
  char name[23];
  long long ll;
};
struct pair {
  short s;
  double d;
};
