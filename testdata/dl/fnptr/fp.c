/* libfp.so: reports the addresses of its own function and data. */
int fn(int x) { return x + 42; }
int data = 99;
void *self_addr(void) { return (void *)&fn; }
void *data_addr(void) { return &data; }
int get_data(void) { return data; }
int call_through(int (*f)(int), int x) { return f(x); }
