/* missing_lib: main.wasm NEEDED libgone.so, which is not shipped. */
#include <stdio.h>
int gone_fn(void);
int main(void) {
  printf("NOT REACHED: %d\n", gone_fn());
  return 0;
}
