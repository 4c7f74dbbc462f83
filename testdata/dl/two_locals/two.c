/* libtwo.so: libone.so's code with value 2. */
#define VALUE 2
#include "one.c"
