/* A freed, dirtied 4 MiB heap block must not leak into a library's data:
 * its .bss is zero and its data initialised, on each of two loads. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  size_t n = 4 << 20;
  char *p = malloc(n);
  printf("malloc 4 MiB: %d\n", p != NULL);
  memset(p, 0xAA, n);
  free(p);
  for (int round = 1; round <= 2; round++) {
    printf("-- round %d\n", round);
    void *h = dlopen("./libfresh.so", RTLD_NOW);
    printf("opened: %d\n", h != NULL);
    if (!h) return 1;
    ((void (*)(void))dlsym(h, "check"))();
    ((void (*)(void))dlsym(h, "dirty"))();
    printf("dlclose = %d\n", dlclose(h));
    char *q = malloc(n); /* dirty the heap again */
    if (q) memset(q, 0xAA, n);
    free(q);
  }
  return 0;
}
