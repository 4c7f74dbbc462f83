/* lifecycle: dlopen from a library's constructor (and dlclose from its
 * destructor), a library reopening itself, RTLD_NODELETE, dlclose of a
 * library another open library still needs, one file opened under two path
 * names, dladdr of a library's function and data, and at exit a
 * destructor that calls dlclose. */
#define _GNU_SOURCE /* dladdr in glibc */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static const char *base(const char *p) {
  const char *s = p ? strrchr(p, '/') : NULL;
  return s ? s + 1 : p ? p : "(null)";
}

int main(void) {
  /* a constructor that dlopens */
  void *op = dlopen("./libopener.so", RTLD_NOW);
  printf("libopener.so opened: %d\n", op != NULL);
  int *saw = (int *)dlsym(op, "opener_ctor_saw");
  printf("opener_ctor_saw = %d\n", saw ? *saw : -2);
  /* (no dlsym(RTLD_DEFAULT) into libinner.so: glibc would then make it
   * undeletable, see README.md) */
  void *in = dlopen("./libinner.so", RTLD_NOW | RTLD_NOLOAD);
  printf("libinner.so loaded by the constructor: %d\n", in != NULL);
  if (in) dlclose(in);
  int (*self)(void) = (int (*)(void))dlsym(op, "opener_self_reopen");
  printf("library reopening itself gets its handle: %d\n", self());
  printf("dlclose(libopener.so) = %d\n", dlclose(op));
  printf("libopener.so unloaded: %d\n", dlopen("./libopener.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  printf("libinner.so unloaded: %d\n", dlopen("./libinner.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  dlerror();

  /* RTLD_NODELETE */
  void *nd = dlopen("./libnd.so", RTLD_NOW | RTLD_NODELETE);
  int (*bump)(void) = (int (*)(void))dlsym(nd, "nd_bump");
  bump();
  bump();
  printf("dlclose(libnd.so) = %d\n", dlclose(nd));
  void *nd2 = dlopen("./libnd.so", RTLD_NOW | RTLD_NOLOAD);
  printf("libnd.so still loaded: %d\n", nd2 != NULL);
  if (nd2) {
    printf("nd_bump() = %d, nd_ctor_runs = %d\n", ((int (*)(void))dlsym(nd2, "nd_bump"))(),
           *(int *)dlsym(nd2, "nd_ctor_runs"));
    dlclose(nd2);
  }
  dlerror();

  /* dlclose of a library another library still needs */
  void *dep = dlopen("./libdep.so", RTLD_NOW);
  void *user = dlopen("./libuser.so", RTLD_NOW);
  ((void (*)(int))dlsym(user, "user_set"))(8);
  printf("dlclose(libdep.so) = %d\n", dlclose(dep));
  printf("libdep.so still loaded: %d\n", dlopen("./libdep.so", RTLD_NOW | RTLD_NOLOAD) != NULL);
  dlclose(dep); /* the NOLOAD reference */
  printf("user_get() = %d\n", ((int (*)(void))dlsym(user, "user_get"))());
  printf("closing libuser.so\n");
  printf("dlclose(libuser.so) = %d\n", dlclose(user));
  printf("libdep.so unloaded: %d\n", dlopen("./libdep.so", RTLD_NOW | RTLD_NOLOAD) == NULL);
  dlerror();

  /* one file, two path names */
  void *t1 = dlopen("./sub/libtwin.so", RTLD_NOW);
  void *t2 = dlopen("./sub/../sub/libtwin.so", RTLD_NOW);
  printf("same handle for two paths: %d\n", t1 != NULL && t1 == t2);
  int (*n1)(void) = (int (*)(void))dlsym(t1, "twin_next");
  int (*n2)(void) = (int (*)(void))dlsym(t2, "twin_next");
  n1();
  printf("shared state: %d, ctor runs %d\n", n2(), *(int *)dlsym(t2, "twin_ctor_runs"));
  dlclose(t2);
  printf("still loaded after one close: %d\n", dlopen("./sub/libtwin.so", RTLD_NOW | RTLD_NOLOAD) != NULL);
  dlclose(t1);

  /* dladdr */
  void *d = dlopen("./libdep.so", RTLD_NOW);
  void *fn = dlsym(d, "dep_get");
  void *var = dlsym(d, "dep_value");
  Dl_info info;
  memset(&info, 0, sizeof info);
  int ok = dladdr(fn, &info);
  printf("dladdr(dep_get): %d %s %s exact %d\n", ok != 0, base(info.dli_fname), info.dli_sname ? info.dli_sname : "(null)",
         info.dli_saddr == fn);
  memset(&info, 0, sizeof info);
  ok = dladdr(var, &info);
  printf("dladdr(&dep_value): %d %s %s exact %d\n", ok != 0, base(info.dli_fname),
         info.dli_sname ? info.dli_sname : "(null)", info.dli_saddr == var);
  memset(&info, 0, sizeof info);
  ok = dladdr((char *)var + 2, &info);
  printf("dladdr(&dep_value + 2 bytes): %d %s %s\n", ok != 0, base(info.dli_fname), info.dli_sname ? info.dli_sname : "(null)");
  dlclose(d);
  /* left open: at exit its destructor closes what its constructor opened */
  printf("libopener.so reopened: %d\n", dlopen("./libopener.so", RTLD_NOW) != NULL);
  printf("main returns\n");
  return 0;
}
