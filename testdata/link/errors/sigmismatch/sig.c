/* libsig.so: defines double f(double); the main declares int f(int). */
double f(double x) { return x * 2.0; }
