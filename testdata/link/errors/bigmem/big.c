/* libbig.so: a 512 MiB zeroed static array, so dylink.0 declares a memory
 * size of 512 MiB. wasm-ld writes .bss of a shared library out as zero
 * bytes (a 512 MiB file), so build.sh compiles this with -DBIG_BYTES=64 and
 * then raises MEM_INFO's memory size by 512 MiB - 64 in the binary. */
#ifndef BIG_BYTES
#define BIG_BYTES (512 << 20)
#endif
static char huge[BIG_BYTES];
char *big_touch(int i) {
  huge[i] = 1;
  return &huge[i];
}
