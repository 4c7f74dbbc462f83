/* rpath: the libraries are found only through RUNTIME_PATH: the main's is
 * $ORIGIN/deps (libr1.so), libr1.so's is ${ORIGIN}/more (libr2.so), each
 * relative to the module that names it. wasm-ld 19 cannot write
 * RUNTIME_PATH, so build.sh adds it with internal/cmd/dylinkedit. */
#include <stdio.h>
int r1_value(void);
const char *r1_where(void);
int main(void) {
  printf("r1_value() = %d\n", r1_value());
  printf("%s\n", r1_where());
  return 0;
}
