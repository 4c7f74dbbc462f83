/* liblazy.so: imports not_there(), which no module defines. */
int not_there(int x);
int lazy_call(int x) { return not_there(x) + 1; }
