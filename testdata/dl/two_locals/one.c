/* libone.so; libtwo.so is the same code with value 2. */
#ifndef VALUE
#define VALUE 1
#endif
int value = VALUE;
int get(void) { return value; }
int *addr(void) { return &value; }
int twice(void) { return get() + value; } /* reads value through its own code */
