/* A small allocator that behaves like current wasi-libc's: its initial
 * heap is [__heap_base, __heap_end) (the end of the module's initial
 * memory, not memory.size), and it grows with sbrk, taking whatever
 * memory.grow returns even when it does not continue what it had.
 *
 * First fit over one free list sorted by address, coalescing on free; a
 * 16-byte header before every block. Enough for tests, not for speed. */
#include <stddef.h>
#include <stdint.h>

void *sbrk(intptr_t increment);
extern unsigned char __heap_base[], __heap_end[];

#define ALIGN 16u
#define HDR 16u
#define MIN_CHUNK 32u
#define USED 0xA110C8EDu
#define ALIGNED 0xA11A11EDu

struct hdr {
  size_t size; /* whole chunk, header included */
  uint32_t magic;
  uint32_t off; /* ALIGNED: distance back to the real block */
  uint32_t pad;
};
struct free_chunk {
  size_t size;
  struct free_chunk *next;
};

static struct free_chunk *free_list; /* sorted by address */
static int ready;

static uintptr_t up(uintptr_t v, uintptr_t a) { return (v + a - 1) & ~(a - 1); }

static void add_free(void *p, size_t size) {
  struct free_chunk *c = p, *prev = 0, *next = free_list;
  while (next && (uintptr_t)next < (uintptr_t)c) {
    prev = next;
    next = next->next;
  }
  c->size = size;
  c->next = next;
  if (next && (uintptr_t)c + c->size == (uintptr_t)next) {
    c->size += next->size;
    c->next = next->next;
  }
  if (prev && (uintptr_t)prev + prev->size == (uintptr_t)c) {
    prev->size += c->size;
    prev->next = c->next;
  } else if (prev) {
    prev->next = c;
  } else {
    free_list = c;
  }
}

static void init(void) {
  uintptr_t b = up((uintptr_t)__heap_base, ALIGN), e = (uintptr_t)__heap_end & ~(uintptr_t)(ALIGN - 1);
  if (e > b + MIN_CHUNK) add_free((void *)b, e - b);
  ready = 1;
}

static int grow(size_t need) {
  size_t n = up(need + MIN_CHUNK, 65536);
  void *p = sbrk((intptr_t)n);
  if (p == (void *)-1) return 0;
  add_free(p, n);
  return 1;
}

void *malloc(size_t n) {
  if (!ready) init();
  if (n > SIZE_MAX / 2) return 0;
  size_t need = up(n + HDR, ALIGN);
  if (need < MIN_CHUNK) need = MIN_CHUNK;
  for (;;) {
    struct free_chunk *prev = 0;
    for (struct free_chunk *f = free_list; f; prev = f, f = f->next) {
      if (f->size < need) continue;
      struct free_chunk *rest = f->next;
      size_t size = f->size;
      if (size - need >= MIN_CHUNK) {
        struct free_chunk *tail = (struct free_chunk *)((char *)f + need);
        tail->size = size - need;
        tail->next = rest;
        rest = tail;
        size = need;
      }
      if (prev) prev->next = rest;
      else free_list = rest;
      struct hdr *h = (struct hdr *)f;
      h->size = size;
      h->magic = USED;
      h->off = 0;
      return (char *)h + HDR;
    }
    if (!grow(need)) return 0;
  }
}

static struct hdr *header(void *p, char **block) {
  struct hdr *h = (struct hdr *)((char *)p - HDR);
  if (h->magic == ALIGNED) {
    p = (char *)p - h->off;
    h = (struct hdr *)((char *)p - HDR);
  }
  if (h->magic != USED) __builtin_trap();
  *block = p;
  return h;
}

void free(void *p) {
  if (!p) return;
  char *block;
  struct hdr *h = header(p, &block);
  h->magic = 0;
  add_free(h, h->size);
}

size_t malloc_usable_size(void *p) {
  if (!p) return 0;
  char *block;
  struct hdr *h = header(p, &block);
  return h->size - HDR - (size_t)((char *)p - block);
}

void *aligned_alloc(size_t align, size_t n) {
  if (align <= ALIGN) return malloc(n);
  if (align & (align - 1) || n > SIZE_MAX / 2) return 0;
  char *block = malloc(n + align + HDR);
  if (!block) return 0;
  char *p = (char *)up((uintptr_t)block + HDR, align);
  struct hdr *h = (struct hdr *)(p - HDR);
  h->magic = ALIGNED;
  h->off = (uint32_t)(p - block);
  return p;
}

int posix_memalign(void **out, size_t align, size_t n) {
  void *p = aligned_alloc(align < sizeof(void *) ? sizeof(void *) : align, n);
  if (!p) return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void *calloc(size_t count, size_t size) {
  if (size && count > SIZE_MAX / size) return 0;
  char *p = malloc(count * size);
  if (p) __builtin_memset(p, 0, count * size);
  return p;
}

void *realloc(void *p, size_t n) {
  if (!p) return malloc(n);
  if (n == 0) {
    free(p);
    return 0;
  }
  size_t have = malloc_usable_size(p);
  if (n <= have) return p;
  char *q = malloc(n);
  if (!q) return 0;
  __builtin_memcpy(q, p, have);
  free(p);
  return q;
}

/* wasi-libc's own parts call these names: defining them keeps its
 * allocator out of the link. */
void *__libc_malloc(size_t n) { return malloc(n); }
void *__libc_calloc(size_t count, size_t size) { return calloc(count, size); }
void __libc_free(void *p) { free(p); }
