/* wasm only: pointers outside guest memory and a bogus handle make libdl
 * fail with a dlerror message, never crash the process. */
#include <dlfcn.h>
#include <stdio.h>

#define BAD ((const char *)0xfffffff0)

int main(void) {
  printf("dlopen(bad pointer): NULL %d\n", dlopen(BAD, RTLD_NOW) == NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  void *h = dlopen("./libok.so", RTLD_NOW);
  printf("libok.so opened: %d\n", h != NULL);
  printf("dlsym(h, bad pointer): NULL %d\n", dlsym(h, BAD) == NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  printf("dlsym(RTLD_DEFAULT, bad pointer): NULL %d\n", dlsym(RTLD_DEFAULT, BAD) == NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  printf("dlsym(bogus handle): NULL %d\n", dlsym((void *)0x7ffffff0, "ok") == NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  printf("dlclose(bogus handle) != 0: %d\n", dlclose((void *)0x7ffffff0) != 0);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);
  printf("ok() = %d\n", ((int (*)(void))dlsym(h, "ok"))());
  printf("dlclose = %d\n", dlclose(h));
  return 0;
}
