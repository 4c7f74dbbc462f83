/* libu.so: NEEDED libudep.so (loaded only for it); constructor, destructor,
 * an atexit handler and static state. */
#include <stdio.h>
#include <stdlib.h>

int udep_value(void);
static int state;

static void handler(void) { printf("libu: atexit handler\n"); }
__attribute__((constructor)) static void ctor(void) {
  printf("libu: constructor\n");
  atexit(handler);
}
__attribute__((destructor)) static void dtor(void) { printf("libu: destructor\n"); }

int u_bump(void) { return ++state * 100 + udep_value(); }
