/* stack: a library function with a 48 KiB frame while main keeps a buffer
 * on its stack; recursion across modules with per-frame buffers. */
#include <stdio.h>
#include <string.h>

unsigned big_frame(int seed);
int lib_recurse(int depth, unsigned char tag);

unsigned sum_bytes(const unsigned char *p, unsigned n) {
  unsigned s = 0;
  for (unsigned i = 0; i < n; i++) s += p[i];
  return s;
}

int main_recurse(int depth, unsigned char tag) {
  unsigned char buf[1024];
  memset(buf, tag, sizeof buf);
  int ok = depth > 0 ? lib_recurse(depth - 1, (unsigned char)(tag + 1)) : 0;
  for (unsigned i = 0; i < sizeof buf; i++)
    if (buf[i] != tag) {
      printf("main level %d: buffer clobbered at %u\n", depth, i);
      return ok;
    }
  return ok + 1;
}

int main(void) {
  unsigned char keep[2048];
  for (unsigned i = 0; i < sizeof keep; i++) keep[i] = (unsigned char)(i * 7 + 3);
  unsigned before = sum_bytes(keep, sizeof keep);
  printf("main: keep sum before = %u\n", before);
  printf("big_frame(1) = %u\n", big_frame(1));
  printf("big_frame(0xab) = %u\n", big_frame(0xab));
  unsigned after = sum_bytes(keep, sizeof keep);
  int intact = 1;
  for (unsigned i = 0; i < sizeof keep; i++) intact &= keep[i] == (unsigned char)(i * 7 + 3);
  printf("main: keep sum after = %u, intact: %s\n", after, intact ? "yes" : "no");
  printf("recursion main->lib, 12 levels intact: %d\n", main_recurse(11, 1));
  printf("recursion lib->main, 9 levels intact: %d\n", lib_recurse(8, 100));
  return 0;
}
