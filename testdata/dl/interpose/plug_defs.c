const char *who(void) { return "plug"; }
const char *tag(void) { return "plug's tag"; }
/* Recursion inside the plugin, which nobody interposes on. */
int plug_sum(int n) { return n == 0 ? 0 : n + plug_sum(n - 1); }
