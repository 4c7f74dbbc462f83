/* libplug.so, opened with dlopen: longjmp out of it, and within it from a
 * callback of the main. */
#include <setjmp.h>
#include <stdio.h>

int plug_run(jmp_buf env, int val) {
  printf("plug_run(%d): jumping out of a dlopen'ed library\n", val);
  longjmp(env, val);
}

static jmp_buf plug_env;

/* setjmp here; fn is the main's, and leaves through plug_leave. */
int plug_guard(int (*fn)(void)) {
  int r = setjmp(plug_env);
  if (r) return 1000 + r;
  return fn();
}

void plug_leave(int val) { longjmp(plug_env, val); }
