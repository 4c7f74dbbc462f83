/* The setjmp/longjmp runtime of clang's lowering (-mllvm -wasm-enable-sjlj)
 * for the static builds, which are single modules with no loader to give it
 * (wasmdl gives the dynamically linked ones its own, with the same contract:
 * internal/ehtrans/SJLJ.md). The tag __c_longjmp is defined by wasm-ld in
 * the static module; __builtin_wasm_throw(1, ...) throws it. */
#include <stdint.h>

struct jmp_state {
  uint32_t id, label;
  void *env;
  int val;
};

void __wasm_setjmp(void *env, uint32_t label, void *id) {
  struct jmp_state *s = env;
  s->id = (uint32_t)(uintptr_t)id;
  s->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *id) {
  struct jmp_state *s = env;
  return s->id == (uint32_t)(uintptr_t)id ? s->label : 0;
}

void __wasm_longjmp(void *env, int val) {
  struct jmp_state *s = env;
  s->env = env;
  s->val = val ? val : 1;
  __builtin_wasm_throw(1, &s->env);
}
