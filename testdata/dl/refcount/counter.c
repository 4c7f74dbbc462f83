/* libcounter.so: static state that must survive while the library is open
 * and be fresh after it was really unloaded. */
#include <stdio.h>
#include <string.h>

static int counter;
static char big[64 * 1024];

__attribute__((constructor)) static void init(void) { printf("counter: constructor\n"); }

int bump(void) { return ++counter; }
void big_fill(void) { memset(big, 0x5a, sizeof big); }
int big_zero(void) {
  for (unsigned i = 0; i < sizeof big; i++)
    if (big[i]) return 0;
  return 1;
}
