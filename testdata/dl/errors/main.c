/* dlopen failures: a missing file, a module that is not a shared library, a
 * library with an undefined symbol under RTLD_NOW (process state unchanged),
 * the same under RTLD_LAZY (succeeds), and an invalid mode. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  void *g = dlopen("./libgood.so", RTLD_NOW);
  int (*good)(void) = (int (*)(void))dlsym(g, "good");
  printf("libgood.so opened: %d, good() = %d\n", g != NULL, good ? good() : -1);

  printf("missing: NULL %d\n", dlopen("./libmissing.so", RTLD_NOW) == NULL);
  printf("dlerror: %s\n", dlerror());

  printf("plain module: NULL %d\n", dlopen("./libplain.so", RTLD_NOW) == NULL);
  printf("dlerror non-NULL: %d\n", dlerror() != NULL);

  void *u = dlopen("./libundef.so", RTLD_NOW);
  printf("undefined symbol, RTLD_NOW: NULL %d\n", u == NULL);
  const char *e = dlerror();
  printf("dlerror names missing_fn: %d\n", e != NULL && strstr(e, "missing_fn") != NULL);
  printf("good() still = %d\n", good());
  printf("fresh dlsym good() = %d\n", ((int (*)(void))dlsym(g, "good"))());
  printf("RTLD_DEFAULT undef_marker is NULL: %d\n", dlsym(RTLD_DEFAULT, "undef_marker") == NULL);
  printf("RTLD_DEFAULT undef_ok is NULL: %d\n", dlsym(RTLD_DEFAULT, "undef_ok") == NULL);
  printf("libundef.so not loaded: %d\n", dlopen("./libundef.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  dlerror();

  void *l = dlopen("./libundef.so", RTLD_LAZY);
  printf("undefined symbol, RTLD_LAZY: non-NULL %d\n", l != NULL);
  if (l) {
    printf("undef_ok() = %d\n", ((int (*)(void))dlsym(l, "undef_ok"))());
    int *m = (int *)dlsym(l, "undef_marker");
    printf("undef_marker = %d\n", m ? *m : -1);
    printf("dlclose lazy = %d\n", dlclose(l));
  } else {
    dlerror();
  }

  printf("mode 0: NULL %d\n", dlopen("./libgood.so", 0) == NULL);
  e = dlerror();
  printf("dlerror says invalid mode: %d\n", e != NULL && strstr(e, "invalid mode for dlopen()") != NULL);
  printf("dlclose good = %d\n", dlclose(g));
  return 0;
}
