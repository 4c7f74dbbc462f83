/* libcore.so: loaded with the main (NEEDED), so merged with it into one
 * module; libplug.so, opened later, calls into it. */
int core_counter = 0;
int core_add(int a, int b) { core_counter++; return a + b; }
long long core_mul64(long long a, long long b) { core_counter++; return a * b; }
double core_half(double x) { return x / 2; }
