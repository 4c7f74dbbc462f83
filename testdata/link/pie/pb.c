/* libpb.so (no libc) */
int pb_base = 3;
int pb_ctor_ran;
__attribute__((constructor)) static void pb_ctor(void) { pb_ctor_ran = 1; }
int pb_mul(int a, int b) { return a * b; }
