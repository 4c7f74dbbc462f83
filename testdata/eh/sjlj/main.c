/* setjmp/longjmp across modules in every direction: setjmp in the main
 * and longjmp in a library; setjmp in a library and longjmp from the
 * main's callback; nested jumps through both; out of and within a library
 * opened with dlopen; a longjmp with 0 returns 1. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdio.h>

#include "jump.h"

static jmp_buf env;

static void (*leave)(int);
static int plug_callback(void) {
  printf("plug_callback: leaving through the plugin\n");
  leave(9);
  return 0;
}

static void callback(int arg) {
  printf("callback(%d): unwinding into the library\n", arg);
  lib_unwind(arg + 1);
}

int main(void) {
  volatile int count = 0;
  int r = setjmp(env);
  count++;
  printf("setjmp returned %d (pass %d)\n", r, count);
  if (r == 0) lib_throw(env, 5);
  if (r == 5) lib_throw(env, 0);

  printf("lib_protect = %d\n", lib_protect(callback, 41));

  jmp_buf outer;
  if ((r = setjmp(outer)) == 0) {
    printf("lib_nested(2) = %d\n", lib_nested(outer, 2));
    printf("lib_nested(4) = %d\n", lib_nested(outer, 4));
  } else {
    printf("main: outer caught %d\n", r);
  }

  void *h = dlopen("libplug.so", RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  int (*run)(jmp_buf, int) = (int (*)(jmp_buf, int))dlsym(h, "plug_run");
  int (*guard)(int (*)(void)) = (int (*)(int (*)(void)))dlsym(h, "plug_guard");
  leave = (void (*)(int))dlsym(h, "plug_leave");
  jmp_buf env2;
  if ((r = setjmp(env2)) == 0) {
    run(env2, 33);
  } else {
    printf("main: back from the plugin with %d\n", r);
  }
  printf("plug_guard = %d\n", guard(plug_callback));
  printf("dlclose = %d\n", dlclose(h));
  return 0;
}
