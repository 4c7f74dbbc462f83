/* weakcall: libweakcall.so calls a weak function nobody defines. The call
 * must trap with a message naming the function, not jump anywhere. */
#include <stdio.h>
int weakcall(int x);
int main(void) {
  return weakcall(1);
}
