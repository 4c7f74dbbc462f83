/* The host main of plugins that need libc: it runs nothing itself and
 * exports the libc functions plugins import (see testdata/recipes.sh);
 * a Go host loads it, never runs it, and opens plugins into it. */
int main(void) { return 0; }
