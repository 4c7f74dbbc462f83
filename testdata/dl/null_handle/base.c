/* libbase.so: linked by the main at startup (NEEDED). */
int base_data = 321;
int base_value(void) { return 77; }
