/* libra.so: its constructor dlopens librb.so, whose constructor dlopens
 * libra.so again while libra.so is still being opened. */
#include <dlfcn.h>
#include <stdio.h>
void *ra_got_rb;
int ra_value = 11;
__attribute__((constructor)) static void ra_ctor(void) {
  printf("ra ctor starts\n");
  ra_got_rb = dlopen("./librb.so", RTLD_NOW);
  printf("ra ctor: librb.so %s\n", ra_got_rb ? "opened" : "failed");
}
int ra_get(void) { return ra_value; }
