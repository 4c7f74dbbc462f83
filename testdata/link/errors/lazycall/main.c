/* lazycall: liblazy.so opens with RTLD_LAZY although not_there() is
 * undefined; calling it ends the process as ld.so does: "symbol lookup
 * error", status 127. Nothing is printed on stdout before. */
#include <dlfcn.h>
int main(void) {
  void *h = dlopen("./liblazy.so", RTLD_LAZY);
  if (!h) return 1;
  int (*f)(int) = (int (*)(int))dlsym(h, "lazy_call");
  return f ? f(1) : 2;
}
