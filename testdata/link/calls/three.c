/* libthree.so: the bottom of the chain. */
int three_add(int a, int b) { return a + b; }
long long three_mul64(long long a, long long b) { return a * b; }
float three_halve(float x) { return x / 2.0f; }
double three_mix(int a, long long b, float c, double d) { return a + (double)b + c + d; }
