/* libbig.so: a 48 KiB stack frame, and recursion that bounces between
 * this library and the main. */
#include <stdio.h>
#include <string.h>

unsigned sum_bytes(const unsigned char *p, unsigned n); /* in main */
int main_recurse(int depth, unsigned char tag);       /* in main */

unsigned big_frame(int seed) {
  unsigned char buf[48 * 1024];
  memset(buf, seed & 0xff, sizeof buf);
  for (unsigned i = 0; i < sizeof buf; i += 4096) buf[i] = (unsigned char)(i >> 12);
  return sum_bytes(buf, sizeof buf);
}

/* Each level keeps a 1 KiB buffer tagged with its depth and checks it after
 * the deeper levels (in the main and here) have returned. */
int lib_recurse(int depth, unsigned char tag) {
  unsigned char buf[1024];
  memset(buf, tag, sizeof buf);
  int ok = depth > 0 ? main_recurse(depth - 1, (unsigned char)(tag + 1)) : 0;
  for (unsigned i = 0; i < sizeof buf; i++)
    if (buf[i] != tag) {
      printf("lib level %d: buffer clobbered at %u\n", depth, i);
      return ok;
    }
  return ok + 1;
}
