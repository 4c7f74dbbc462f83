const char *hook(void) { return "hookb"; }
