/* libuser.so: NEEDED libdep.so. */
#include <stdio.h>
int dep_get(void);
extern int dep_value;
int user_get(void) { return dep_get() * 10; }
void user_set(int v) { dep_value = v; }
__attribute__((destructor)) static void user_dtor(void) { printf("user dtor\n"); }
