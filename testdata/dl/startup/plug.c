/* libplug.so: dlopened; NEEDED libcore.so, which is already loaded. It
 * calls libcore's functions, takes the address of one, and reads its data. */
int core_add(int a, int b);
long long core_mul64(long long a, long long b);
double core_half(double x);
extern int core_counter;

int (*plug_addr_of_core_add(void))(int, int) { return core_add; }
int plug_run(int x) { return core_add(x, 1) + (int)core_mul64(x, 3) + (int)core_half(8.0); }
int plug_counter(void) { return core_counter; }
