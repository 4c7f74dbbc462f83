/* libundef.so: imports a function nobody defines (linked with
 * --unresolved-symbols=import-dynamic, so it is a plain env import). */
int nobody_defines_this(int x);
int undef_call(int x) { return nobody_defines_this(x) + 1; }
