/* bigbss: a startup library with 3.25 MiB of .bss (wasm-ld writes it out as
 * zero bytes in the file) must start all zero, and the main's heap must not
 * overlap it: a few thousand malloc/realloc/free calls with every byte of
 * every live block checked, while the library's data is filled and checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern unsigned char big_before[64], big_after[64], big_zero[];
int big_all_zero(void);
void big_fill(unsigned seed);
long big_check(unsigned seed);
unsigned big_size(void);

#define SLOTS 64
static unsigned char *blk[SLOTS];
static size_t len[SLOTS];
static unsigned char tag[SLOTS];

static unsigned rng = 2463534242u;
static unsigned next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static int check_block(int i) {
  for (size_t k = 0; k < len[i]; k++)
    if (blk[i][k] != (unsigned char)(tag[i] + k * 7)) return 0;
  return 1;
}
static void fill_block(int i, size_t from) {
  for (size_t k = from; k < len[i]; k++) blk[i][k] = (unsigned char)(tag[i] + k * 7);
}

int main(void) {
  printf("big_size = %u, all zero at start: %s\n", big_size(), big_all_zero() ? "yes" : "no");
  printf("initialised neighbours: %d %d %d %d\n", big_before[0], big_before[7], big_after[0], big_after[7]);
  big_fill(17);
  int bad = 0;
  for (int step = 0; step < 3000 && !bad; step++) {
    int i = next() % SLOTS;
    if (blk[i] && !check_block(i)) {
      printf("step %d: block %d corrupted\n", step, i);
      bad = 1;
      break;
    }
    unsigned op = next() % 4;
    size_t n = (next() % 4 == 0) ? next() % (64 << 10) : next() % 2048;
    if (op == 0 && blk[i]) {
      free(blk[i]);
      blk[i] = NULL;
      len[i] = 0;
    } else if (op == 1 && blk[i]) {
      unsigned char *p = realloc(blk[i], n + 1);
      if (!p) { printf("realloc failed\n"); bad = 1; break; }
      size_t old = len[i];
      blk[i] = p;
      len[i] = n + 1;
      if (len[i] > old) fill_block(i, old);
      if (!check_block(i)) { printf("step %d: realloc lost data\n", step); bad = 1; }
    } else {
      free(blk[i]);
      blk[i] = (op == 2) ? calloc(n + 1, 1) : malloc(n + 1);
      if (!blk[i]) { printf("allocation failed\n"); bad = 1; break; }
      if (op == 2)
        for (size_t k = 0; k <= n; k++)
          if (blk[i][k]) { printf("step %d: calloc not zeroed\n", step); bad = 1; break; }
      len[i] = n + 1;
      tag[i] = (unsigned char)next();
      fill_block(i, 0);
    }
    if (step % 1000 == 999) {
      long c = big_check(17);
      if (c >= 0) { printf("step %d: library data wrong at %ld\n", step, c); bad = 1; }
    }
  }
  for (int i = 0; i < SLOTS; i++)
    if (blk[i] && !check_block(i)) { printf("final: block %d corrupted\n", i); bad = 1; }
  printf("heap blocks intact: %s\n", bad ? "no" : "yes");
  printf("library data intact: %s\n", big_check(17) < 0 ? "yes" : "no");
  printf("neighbours intact: %d %d\n", big_before[7], big_after[7]);
  for (int i = 0; i < SLOTS; i++) free(blk[i]);
  big_fill(0);
  printf("refill check: %ld\n", big_check(0));
  return bad;
}
