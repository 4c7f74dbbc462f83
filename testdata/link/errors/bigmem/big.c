/* libbig.so: a 512 MiB zeroed static array (dylink.0 memory size > 512 MiB). */
static char huge[512 << 20];
char *big_touch(int i) {
  huge[i] = 1;
  return &huge[i];
}
