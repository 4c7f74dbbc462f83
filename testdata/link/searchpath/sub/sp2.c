/* sub/libsp2.so */
const char sp2_where[] = "I live in sub/";
int sp2_value(void) { return 21; }
