const char *tag(void) { return "second's tag"; }
