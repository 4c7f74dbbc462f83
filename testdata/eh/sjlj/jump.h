#include <setjmp.h>
void lib_throw(jmp_buf env, int val);
int lib_protect(void (*fn)(int), int arg);
void lib_unwind(int val);
int lib_nested(jmp_buf outer, int depth);
