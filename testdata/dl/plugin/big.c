/* libbig.so: a plugin with 1 MiB of zero-initialised data, for the
 * dlopen/dlclose cycle test: every load must find the array zeroed. */
static unsigned char big[1 << 20];
static int ctor_ok;
__attribute__((constructor)) static void check(void) {
  ctor_ok = 1;
  for (unsigned i = 0; i < sizeof big; i += 4096)
    if (big[i]) ctor_ok = 0;
}
/* big_touch dirties the array and reports whether the constructor found it
 * all zero: 1 on a fresh load. */
int big_touch(void) {
  for (unsigned i = 0; i < sizeof big; i += 4096) big[i] = 0xAA;
  return ctor_ok;
}
