/* Memory ownership under load: the program's heap, the memory it grows
 * itself and the libraries' data must never share a byte, whatever the
 * order in which they are made.
 *
 *   main SEED ITERATIONS
 *
 * Every heap block, every page the program grows itself and every byte of
 * every library's data holds a known pattern and is checked, again and
 * again; the first bad byte ends the program with a message and status 1.
 * The phases: two startup libraries checked fresh and filled; 8 MiB of
 * malloc churn; the program grows memory itself; 8 MiB more; every
 * dlopen'able library opened after the heap has grown, with dlerror and
 * dladdr; then ITERATIONS random operations (malloc, free, realloc,
 * dlopen, dlclose, growing memory), everything verified every 100 of them.
 * The output depends only on SEED and ITERATIONS, never on addresses, so
 * it is the same under glibc as under wasmdl.
 *
 * Built three ways: with a libc (Debian's wasi-libc, whose malloc takes
 * all memory below memory.size on first use; or sbrkalloc.c, which stops
 * at __heap_end then grows), freestanding as a PIE main (minirt.c with
 * sbrkalloc.c), and freestanding without any allocator (-DNO_HEAP).
 */
#define _GNU_SOURCE /* dladdr and Dl_info in glibc */
#include <dlfcn.h>
#include <stdint.h>

#ifdef MINIRT
#include "minirt.h"
#else
#include <stdio.h>
#include <stdlib.h>
#endif

#include "pat.h"

/* The startup libraries (NEEDED by the main). */
int s1_check_fresh(void);
void s1_fill(uint32_t);
int s1_check_fill(uint32_t);
int s2_check_fresh(void);
void s2_fill(uint32_t);
int s2_check_fill(uint32_t);

static uint32_t rng;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}
static uint32_t below(uint32_t n) { return rnd() % n; }

static uint32_t parse(const char *s) {
  uint32_t v = 0;
  while (*s >= '0' && *s <= '9')
    v = v * 10 + (uint32_t)(*s++ - '0');
  return v;
}

static const char *base(const char *path) {
  const char *b = path;
  for (; *path; path++)
    if (*path == '/') b = path + 1;
  return b;
}

static struct {
  unsigned long long verified, mallocs, frees, reallocs, opens, closes, grows;
} n;

static void fail(void) {
  fflush(stdout);
  exit(1);
}

/* ---- heap blocks and grown pages ---- */

#define MAXBLOCKS 96
struct block {
  unsigned char *p;
  uint32_t size, seed;
  int grown; /* pages the program grew itself: never freed */
};
static struct block blocks[MAXBLOCKS];
static int nblocks;
static uint64_t live;

static void fill_block(struct block *b) {
  for (uint32_t i = 0; i < b->size; i++)
    b->p[i] = pat(b->seed, i);
}

static void verify_block(int k, uint32_t upto) {
  struct block *b = &blocks[k];
  for (uint32_t i = 0; i < upto; i++)
    if (b->p[i] != pat(b->seed, i)) {
      printf("BAD %s %d (%u bytes) at offset %u: got %u, want %u\n", b->grown ? "grown pages" : "heap block", k,
             b->size, i, b->p[i], pat(b->seed, i));
      fail();
    }
  n.verified += upto;
}

static void grow_pages(uint32_t pages) {
  if (nblocks == MAXBLOCKS) return;
  struct block *b = &blocks[nblocks];
#ifdef __wasm__
  int32_t old = __builtin_wasm_memory_grow(0, pages);
  if (old < 0) {
    printf("memory.grow of %u pages failed\n", pages);
    fail();
  }
  b->p = (unsigned char *)((uintptr_t)old * 65536);
#else
  b->p = aligned_alloc(65536, (size_t)pages * 65536);
#endif
  b->size = pages * 65536;
  b->seed = rnd();
  b->grown = 1;
  fill_block(b);
  nblocks++;
  n.grows++;
}

#ifndef NO_HEAP
static uint32_t block_size(void) {
  uint32_t r = below(100);
  if (r < 70) return 1 + below(4096);
  if (r < 95) return 4096 + below(256 << 10);
  return (256 << 10) + below(4 << 20);
}

static void alloc_block(uint32_t size) {
  if (nblocks == MAXBLOCKS) return;
  struct block *b = &blocks[nblocks];
  b->p = malloc(size);
  if (!b->p) {
    printf("malloc(%u) failed\n", size);
    fail();
  }
  b->size = size;
  b->seed = rnd();
  b->grown = 0;
  fill_block(b);
  live += size;
  nblocks++;
  n.mallocs++;
}

static void free_block(int k) {
  if (blocks[k].grown) return;
  verify_block(k, blocks[k].size);
  free(blocks[k].p);
  live -= blocks[k].size;
  blocks[k] = blocks[--nblocks];
  n.frees++;
}

static void realloc_block(int k) {
  struct block *b = &blocks[k];
  if (b->grown) return;
  uint32_t size = block_size();
  uint32_t kept = size < b->size ? size : b->size;
  verify_block(k, b->size);
  unsigned char *p = realloc(b->p, size);
  if (!p) {
    printf("realloc(%u) failed\n", size);
    fail();
  }
  b->p = p;
  verify_block(k, kept); /* realloc keeps the prefix */
  live += size;
  live -= b->size;
  b->size = size;
  b->seed = rnd();
  fill_block(b);
  n.reallocs++;
}

/* churn allocates and frees until at least total bytes were allocated. */
static void churn(uint64_t total) {
  uint64_t done = 0;
  while (done < total) {
    if (nblocks > 0 && (nblocks == MAXBLOCKS || live > (24u << 20) || below(3) == 0)) {
      free_block((int)below((uint32_t)nblocks));
    } else {
      uint32_t size = block_size();
      alloc_block(size);
      done += size;
    }
    if (nblocks > 0) {
      int b = (int)below((uint32_t)nblocks);
      verify_block(b, blocks[b].size);
    }
  }
}
#endif

/* ---- libraries ---- */

#define NLIBS 7
static const char *const names[NLIBS] = {"libpat1.so", "libpat2.so", "libpat3.so", "libpat4.so",
                                         "libpat5.so", "libpat6.so", "libpat7.so"};
static struct {
  void *h;
  uint32_t seed;
  int (*check_fresh)(void);
  void (*fill)(uint32_t);
  int (*check_fill)(uint32_t);
} libs[NLIBS];

static void *sym(int k, const char *name) {
  void *s = dlsym(libs[k].h, name);
  if (!s) {
    printf("dlsym %s %s: %s\n", names[k], name, dlerror());
    fail();
  }
  return s;
}

static void open_lib(int k) {
  libs[k].h = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
  if (!libs[k].h) {
    printf("dlopen %s: %s\n", names[k], dlerror());
    fail();
  }
  libs[k].check_fresh = (int (*)(void))sym(k, "check_fresh");
  libs[k].fill = (void (*)(uint32_t))sym(k, "fill");
  libs[k].check_fill = (int (*)(uint32_t))sym(k, "check_fill");
  int bad = libs[k].check_fresh();
  if (bad) {
    printf("BAD %s: %d bytes not as loaded\n", names[k], bad);
    fail();
  }
  libs[k].seed = rnd();
  libs[k].fill(libs[k].seed);
  n.opens++;
}

static void verify_lib(int k) {
  int bad = libs[k].check_fill(libs[k].seed);
  if (bad) {
    printf("BAD %s: %d bytes overwritten\n", names[k], bad);
    fail();
  }
}

static void close_lib(int k) {
  verify_lib(k);
  if (dlclose(libs[k].h) != 0) {
    printf("dlclose %s: %s\n", names[k], dlerror());
    fail();
  }
  libs[k].h = 0;
  n.closes++;
}

static uint32_t s1_seed, s2_seed;

static void verify_all(void) {
  for (int k = 0; k < nblocks; k++)
    verify_block(k, blocks[k].size);
  for (int k = 0; k < NLIBS; k++)
    if (libs[k].h) verify_lib(k);
  int bad = s1_check_fill(s1_seed) + s2_check_fill(s2_seed);
  if (bad) {
    printf("BAD startup libraries: %d bytes overwritten\n", bad);
    fail();
  }
}

int main(int argc, char **argv) {
  rng = argc > 1 ? parse(argv[1]) : 1;
  if (rng == 0) rng = 1;
  uint32_t iterations = argc > 2 ? parse(argv[2]) : 1000;

  int bad = s1_check_fresh() + s2_check_fresh();
  printf("startup libraries as loaded: %s\n", bad ? "NO" : "yes");
  if (bad) fail();
  s1_seed = rnd();
  s1_fill(s1_seed);
  s2_seed = rnd();
  s2_fill(s2_seed);

#ifndef NO_HEAP
  churn(8u << 20);
  verify_all();
  printf("8 MiB of malloc churn: %d blocks live, all verified\n", nblocks);
#endif
  grow_pages(3);
  grow_pages(5);
  verify_all();
  printf("the program grew memory itself: %d blocks live, all verified\n", nblocks);
#ifndef NO_HEAP
  churn(8u << 20);
  verify_all();
  printf("8 MiB more: %d blocks live, all verified\n", nblocks);
#endif

  /* The largest first: it does not fit in what the loader had left. */
  for (int k = 0; k < NLIBS; k++)
    open_lib((k + 5) % NLIBS);
  verify_all();
  printf("every library opened after the heap grew: all verified\n");
  if (dlopen("libnope.so", RTLD_NOW)) {
    printf("libnope.so opened\n");
    fail();
  }
  printf("dlerror: %s\n", dlerror());
  Dl_info info;
  if (!dladdr((void *)libs[3].check_fill, &info) || !info.dli_sname) {
    printf("dladdr of a function failed\n");
    fail();
  }
  printf("dladdr(check_fill of libpat4.so): %s in %s\n", info.dli_sname, base(info.dli_fname));
  unsigned char *bss = sym(5, "bss");
  if (!dladdr(bss + 1000, &info) || !info.dli_sname) {
    printf("dladdr of data failed\n");
    fail();
  }
  printf("dladdr(bss+1000 of libpat6.so): %s+%d in %s\n", info.dli_sname, (int)((char *)(bss + 1000) - (char *)info.dli_saddr),
         base(info.dli_fname));
  for (int k = 0; k < NLIBS; k++)
    close_lib(k);
  verify_all();

  for (uint32_t it = 1; it <= iterations; it++) {
    uint32_t op = below(100);
    int k = (int)below(NLIBS);
#ifndef NO_HEAP
    if (op < 30) {
      if (live < (24u << 20)) alloc_block(block_size());
    } else if (op < 52) {
      if (nblocks > 0) free_block((int)below((uint32_t)nblocks));
    } else if (op < 60) {
      if (nblocks > 0) realloc_block((int)below((uint32_t)nblocks));
    } else
#endif
        if (op < 78) {
      if (!libs[k].h) open_lib(k);
    } else if (op < 96) {
      if (libs[k].h) close_lib(k);
    } else if (op < 98) {
      if (libs[k].h) verify_lib(k);
      if (nblocks > 0) {
        int b = (int)below((uint32_t)nblocks);
        verify_block(b, blocks[b].size);
      }
    } else if (n.grows < 24) {
      grow_pages(1 + below(2));
    }
    if (it % 100 == 0) verify_all();
  }
  verify_all();
  for (int k = 0; k < NLIBS; k++)
    if (libs[k].h) close_lib(k);
  printf("%u random operations: all verified\n", iterations);
  printf("mallocs %llu, frees %llu, reallocs %llu, dlopens %llu, dlcloses %llu, memory grown %llu times\n", n.mallocs,
         n.frees, n.reallocs, n.opens, n.closes, n.grows);
  printf("bytes verified: %llu\n", n.verified);
  return 0;
}
