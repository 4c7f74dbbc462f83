/* libjump.so: setjmp and longjmp on the library's side. */
#include <setjmp.h>
#include <stdio.h>

#include "jump.h"

static jmp_buf lib_env;

/* longjmp into a buffer the main set. */
void lib_throw(jmp_buf env, int val) {
  printf("lib_throw(%d)\n", val);
  longjmp(env, val);
}

/* setjmp here, then call back into the main, which longjmps to us. */
int lib_protect(void (*fn)(int), int arg) {
  volatile int tries = 0;
  int r = setjmp(lib_env);
  tries++;
  if (r == 0) {
    fn(arg);
    printf("lib_protect: returned normally\n");
    return 0;
  }
  printf("lib_protect: came back with %d after %d tries\n", r, tries);
  return r;
}

/* What the main's callback uses to jump back into lib_protect. */
void lib_unwind(int val) { longjmp(lib_env, val); }

/* Nested: an inner setjmp in the library, an outer one in the main. */
int lib_nested(jmp_buf outer, int depth) {
  jmp_buf inner;
  int r = setjmp(inner);
  if (r == 0) {
    if (depth > 0) longjmp(inner, depth);
    return -1;
  }
  printf("lib_nested: inner caught %d\n", r);
  if (r >= 3) longjmp(outer, r * 10);
  return r;
}
