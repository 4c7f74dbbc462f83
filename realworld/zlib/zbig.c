/* zbig: zlib over a few megabytes of generated data.
 *
 * Usage: zbig [SIZE]   (bytes of data, default 3 MiB)
 *
 * Generates SIZE bytes of words, runs, noise and repeats from a fixed
 * pseudo-random sequence (the same bytes on every machine) and writes them
 * to data.bin. Then, printing sizes and checksums of every result:
 *   - deflate with the stream API through small buffers, at several levels,
 *     strategies and window sizes (zlib, gzip and raw wrappers), changing
 *     parameters and flushing mid-stream, and inflate every result back;
 *   - compress2/uncompress in one call;
 *   - a preset dictionary;
 *   - the gz file API: data.gz written with gzwrite/gzprintf/gzputs, read
 *     back with gzread, gzgets, gzgetc and gzseek, and copied to data.out;
 *   - crc32_combine/adler32_combine, whose length argument is a z_off_t.
 * Writes data.bin, data.z (zlib, level 9), data.raw (raw deflate, level 1),
 * data.gz and data.out. Exits 1 at the first result that does not match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "zlib.h"

static unsigned long rng = 0x2545f491UL;

/* next: a 32-bit xorshift step (the same sequence everywhere). */
static unsigned next(void) {
  unsigned x = (unsigned)rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  rng = x;
  return x;
}

static const char *const words[] = {
    "the", "linker", "places", "every", "library", "at", "its", "own", "base", "and",
    "binds", "imports", "to", "exports", "memory", "table", "stack", "heap", "data", "code",
    "WebAssembly", "module", "function", "global", "relocation", "symbol", "weak", "strong",
    "deflate", "inflate", "window", "match", "literal", "length", "distance", "Huffman",
};

/* generate fills buf with n bytes of blocks of four kinds. */
static void generate(unsigned char *buf, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned kind = next() % 8, len = 512 + next() % 4096, k;
    if (len > n - i)
      len = (unsigned)(n - i);
    if (kind < 4) { /* text */
      k = 0;
      while (k < len) {
        const char *w = words[next() % (sizeof words / sizeof words[0])];
        while (*w && k < len)
          buf[i + k++] = (unsigned char)*w++;
        if (k < len)
          buf[i + k++] = (next() % 11 == 0) ? '\n' : ' ';
      }
    } else if (kind == 4) { /* a run */
      memset(buf + i, (int)(next() & 0xff), len);
    } else if (kind == 5 && i > 65536) { /* a repeat from far back */
      size_t from = next() % (i - len);
      memmove(buf + i, buf + from, len);
    } else { /* noise */
      for (k = 0; k < len; k++)
        buf[i + k] = (unsigned char)(next() >> 11);
    }
    i += len;
  }
}

static void fail(const char *what, int err) {
  printf("FAIL: %s (%d)\n", what, err);
  exit(1);
}

static void write_file(const char *name, const unsigned char *p, size_t n) {
  FILE *f = fopen(name, "wb");
  if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
    fail(name, -1);
}

/* deflate_stream compresses in[0:n] with the stream API through 16 KiB
 * input and 3 KiB output buffers; every fourth input chunk ends with a
 * sync flush and, when change is set, the level changes halfway. Returns
 * the compressed bytes (malloc'd) and their length in *outn. */
static unsigned char *deflate_stream(const unsigned char *in, size_t n, int level, int bits,
                                     int strategy, int change, size_t *outn) {
  z_stream s;
  unsigned char obuf[3072];
  size_t cap = n / 2 + 1024, used = 0, pos = 0;
  unsigned char *out = malloc(cap);
  int err, chunk = 0;
  memset(&s, 0, sizeof s);
  if (out == NULL)
    fail("malloc", 0);
  err = deflateInit2(&s, level, Z_DEFLATED, bits, 8, strategy);
  if (err != Z_OK)
    fail("deflateInit2", err);
  for (;;) {
    size_t take = n - pos < 16384 ? n - pos : 16384;
    int flush = pos + take == n ? Z_FINISH : (++chunk % 4 == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
    if (change && pos >= n / 2 && pos < n / 2 + 16384) {
      err = deflateParams(&s, level == 9 ? 1 : 9, Z_DEFAULT_STRATEGY);
      if (err != Z_OK && err != Z_BUF_ERROR)
        fail("deflateParams", err);
    }
    s.next_in = (unsigned char *)in + pos;
    s.avail_in = (uInt)take;
    pos += take;
    do {
      s.next_out = obuf;
      s.avail_out = sizeof obuf;
      err = deflate(&s, flush);
      if (err == Z_STREAM_ERROR)
        fail("deflate", err);
      size_t got = sizeof obuf - s.avail_out;
      if (used + got > cap) {
        cap = 2 * cap + got;
        out = realloc(out, cap);
        if (out == NULL)
          fail("realloc", 0);
      }
      memcpy(out + used, obuf, got);
      used += got;
    } while (s.avail_out == 0);
    if (flush == Z_FINISH)
      break;
  }
  if (err != Z_STREAM_END)
    fail("deflate did not end", err);
  if (s.total_in != n || s.total_out != used)
    fail("deflate totals", 0);
  deflateEnd(&s);
  *outn = used;
  return out;
}

/* inflate_stream decompresses in[0:n] through 1000-byte output pieces and
 * checks the result against want[0:wantn]. */
static void inflate_stream(const unsigned char *in, size_t n, int bits, const unsigned char *want,
                           size_t wantn) {
  z_stream s;
  unsigned char *out = malloc(wantn + 1);
  size_t used = 0;
  int err;
  memset(&s, 0, sizeof s);
  if (out == NULL)
    fail("malloc", 0);
  err = inflateInit2(&s, bits);
  if (err != Z_OK)
    fail("inflateInit2", err);
  s.next_in = (unsigned char *)in;
  s.avail_in = (uInt)n;
  do {
    size_t room = wantn + 1 - used;
    s.next_out = out + used;
    s.avail_out = (uInt)(room < 1000 ? room : 1000);
    err = inflate(&s, Z_NO_FLUSH);
    used = s.next_out - out;
    if (err != Z_OK && err != Z_STREAM_END)
      fail("inflate", err);
  } while (err != Z_STREAM_END);
  if (used != wantn || memcmp(out, want, wantn) != 0)
    fail("inflated data differs", 0);
  inflateEnd(&s);
  free(out);
}

static void stream_case(const char *name, const unsigned char *data, size_t n, int level, int bits,
                        int strategy, int change, const char *save) {
  size_t cn;
  unsigned char *c = deflate_stream(data, n, level, bits, strategy, change, &cn);
  inflate_stream(c, cn, bits < 0 ? bits : 47, data, n);
  printf("%-22s %8lu bytes  crc32 %08lx  adler32 %08lx\n", name, (unsigned long)cn,
         crc32(0L, c, (uInt)cn), adler32(1L, c, (uInt)cn));
  if (save != NULL)
    write_file(save, c, cn);
  free(c);
}

static void dictionary_case(const unsigned char *data) {
  static const char dict[] = "library linker symbol relocation memory table function module";
  unsigned char out[4096], back[2048];
  z_stream s;
  int err;
  memset(&s, 0, sizeof s);
  deflateInit(&s, Z_BEST_COMPRESSION);
  deflateSetDictionary(&s, (const Bytef *)dict, sizeof dict - 1);
  uLong id = s.adler; /* the dictionary's id, which inflate asks for */
  s.next_in = (unsigned char *)data;
  s.avail_in = sizeof back;
  s.next_out = out;
  s.avail_out = sizeof out;
  if ((err = deflate(&s, Z_FINISH)) != Z_STREAM_END)
    fail("deflate with dictionary", err);
  uLong clen = s.total_out;
  deflateEnd(&s);
  memset(&s, 0, sizeof s);
  inflateInit(&s);
  s.next_in = out;
  s.avail_in = (uInt)clen;
  s.next_out = back;
  s.avail_out = sizeof back;
  err = inflate(&s, Z_NO_FLUSH);
  if (err != Z_NEED_DICT || s.adler != id)
    fail("inflate did not ask for the dictionary", err);
  inflateSetDictionary(&s, (const Bytef *)dict, sizeof dict - 1);
  if ((err = inflate(&s, Z_FINISH)) != Z_STREAM_END || memcmp(back, data, sizeof back) != 0)
    fail("inflate with dictionary", err);
  inflateEnd(&s);
  printf("dictionary             %8lu bytes  dictid %08lx\n", clen, id);
}

static void gz_case(const unsigned char *data, size_t n) {
  gzFile f = gzopen("data.gz", "wb9");
  size_t pos = 0;
  char line[256];
  if (f == NULL)
    fail("gzopen data.gz", 0);
  gzprintf(f, "zbig %s %lu\n", zlibVersion(), (unsigned long)n);
  gzputs(f, "second line\n");
  while (pos < n) {
    unsigned take = 1 + next() % 70000;
    if (take > n - pos)
      take = (unsigned)(n - pos);
    if (gzwrite(f, data + pos, take) != (int)take)
      fail("gzwrite", 0);
    pos += take;
  }
  if (gzclose(f) != Z_OK)
    fail("gzclose", 0);

  f = gzopen("data.gz", "rb");
  if (f == NULL)
    fail("gzopen data.gz for reading", 0);
  gzgets(f, line, sizeof line);
  printf("gz first line: %s", line);
  gzgets(f, line, sizeof line);
  printf("gz second line: %s", line);
  z_off_t start = gztell(f);
  unsigned char *back = malloc(n);
  if (back == NULL)
    fail("malloc", 0);
  pos = 0;
  while (pos < n) {
    int got = gzread(f, back + pos, (unsigned)(n - pos < 50000 ? n - pos : 50000));
    if (got <= 0)
      fail("gzread", got);
    pos += (size_t)got;
  }
  if (memcmp(back, data, n) != 0)
    fail("gzread data differs", 0);
  if (gzseek(f, start + (z_off_t)n / 2, SEEK_SET) != start + (z_off_t)n / 2)
    fail("gzseek", 0);
  int c = gzgetc(f);
  printf("gz byte at middle: %d (want %d), eof before end: %d\n", c, data[n / 2], gzeof(f));
  gzclose(f);
  write_file("data.out", back, n);
  free(back);
}

static void checksum_case(const unsigned char *data, size_t n) {
  size_t half = n / 3;
  uLong c1 = crc32(0L, data, (uInt)half), c2 = crc32(0L, data + half, (uInt)(n - half));
  uLong a1 = adler32(1L, data, (uInt)half), a2 = adler32(1L, data + half, (uInt)(n - half));
  uLong call = crc32(0L, data, (uInt)n), aall = adler32(1L, data, (uInt)n);
  uLong cc = crc32_combine(c1, c2, (z_off_t)(n - half));
  uLong ac = adler32_combine(a1, a2, (z_off_t)(n - half));
  printf("crc32 %08lx combined %08lx, adler32 %08lx combined %08lx\n", call, cc, aall, ac);
  if (cc != call || ac != aall)
    fail("combined checksums differ", 0);
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 3u << 20;
  unsigned char *data = malloc(n);
  if (data == NULL || n < 100000)
    fail("size", 0);
  generate(data, n);
  write_file("data.bin", data, n);
  printf("zlib %s, %lu bytes of data\n", zlibVersion(), (unsigned long)n);
  checksum_case(data, n);

  stream_case("zlib level 1", data, n, 1, 15, Z_DEFAULT_STRATEGY, 0, NULL);
  stream_case("zlib level 6", data, n, 6, 15, Z_DEFAULT_STRATEGY, 0, NULL);
  stream_case("zlib level 9", data, n, 9, 15, Z_DEFAULT_STRATEGY, 0, "data.z");
  stream_case("gzip level 6", data, n, 6, 31, Z_DEFAULT_STRATEGY, 0, NULL);
  stream_case("raw level 1", data, n, 1, -15, Z_DEFAULT_STRATEGY, 0, "data.raw");
  stream_case("window 9 level 5", data, n, 5, 9, Z_DEFAULT_STRATEGY, 0, NULL);
  stream_case("filtered", data, n, 6, 15, Z_FILTERED, 0, NULL);
  stream_case("huffman only", data, n, 6, 15, Z_HUFFMAN_ONLY, 0, NULL);
  stream_case("rle", data, n, 6, 15, Z_RLE, 0, NULL);
  stream_case("fixed", data, n, 6, 15, Z_FIXED, 0, NULL);
  stream_case("level 9 then 1", data, n, 9, 15, Z_DEFAULT_STRATEGY, 1, NULL);

  uLongf clen = compressBound(n), ulen = n;
  unsigned char *c = malloc(clen), *u = malloc(n);
  int err = compress2(c, &clen, data, n, 7);
  if (err != Z_OK)
    fail("compress2", err);
  err = uncompress(u, &ulen, c, clen);
  if (err != Z_OK || ulen != n || memcmp(u, data, n) != 0)
    fail("uncompress", err);
  printf("compress2 level 7      %8lu bytes  crc32 %08lx\n", clen, crc32(0L, c, (uInt)clen));
  free(c);
  free(u);

  dictionary_case(data);
  gz_case(data, n);
  free(data);
  printf("ok\n");
  return 0;
}
