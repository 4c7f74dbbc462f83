/* libptrs.so for ownmem: the same library as in link/ptrs. */
#include "../ptrs/ptrs.c"
