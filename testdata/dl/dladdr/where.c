/* libwhere.so: a function whose address it takes itself, one it does not,
 * and data. */
int where_data[4] = {1, 2, 3, 4};
int where_plain(int x) { return x + 1; }
static int where_static(int x) { return x * 2; }
int where_taken(int x) { return x - 1; }
int (*where_ptr)(int) = where_taken;
int (*where_static_ptr(void))(int) { return where_static; }
int *where_data_addr(void) { return where_data; }
