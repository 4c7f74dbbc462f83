/* finiorder: at exit, atexit handlers registered while main runs come
 * first (last registered first), then destructors (main's, then each
 * library after those that need it, by priority inside a library), and
 * atexit handlers registered by library constructors last: ld.so runs those
 * constructors before libc registers its own finaliser. */
#include <stdio.h>
#include <stdlib.h>
void prio_register(void);
__attribute__((destructor)) static void main_dtor(void) { printf("dtor main\n"); }
static void main_h(void) { printf("atexit handler registered by main\n"); }
__attribute__((constructor)) static void main_ctor(void) { printf("ctor main\n"); }
int main(void) {
  printf("main runs\n");
  prio_register();
  atexit(main_h);
  printf("main returns\n");
  return 0;
}
