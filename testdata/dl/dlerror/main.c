/* dlerror: NULL at start; the message of a failed dlsym / dlopen, then NULL. */
#include <dlfcn.h>
#include <stdio.h>

static const char *s(const char *e) { return e ? e : "(NULL)"; }

int main(void) {
  printf("at start: %s\n", s(dlerror()));
  void *h = dlopen("./libx.so", RTLD_NOW);
  printf("opened: %d\n", h != NULL);
  printf("after successful dlopen: %s\n", s(dlerror()));
  printf("dlsym present non-NULL: %d\n", dlsym(h, "present") != NULL);
  printf("after successful dlsym: %s\n", s(dlerror()));
  printf("dlsym nope is NULL: %d\n", dlsym(h, "nope") == NULL);
  printf("dlerror: %s\n", s(dlerror()));
  printf("dlerror again: %s\n", s(dlerror()));
  printf("dlopen missing is NULL: %d\n", dlopen("./libmissing.so", RTLD_NOW) == NULL);
  printf("dlerror: %s\n", s(dlerror()));
  printf("dlerror again: %s\n", s(dlerror()));
  printf("dlopen bare missing is NULL: %d\n", dlopen("libmissing.so", RTLD_NOW) == NULL);
  printf("dlerror: %s\n", s(dlerror()));
  printf("dlerror again: %s\n", s(dlerror()));
  printf("dlclose = %d\n", dlclose(h));
  printf("after dlclose: %s\n", s(dlerror()));
  return 0;
}
