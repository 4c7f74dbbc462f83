/* rwext: a SQLite extension loaded with sqlite3_load_extension (dlopen
 * under wasmdl). It reaches SQLite only through the routines table SQLite
 * hands it, as loadable extensions do, and allocates through sqlite3_malloc.
 *
 *   rw_fnv1a(X)    32-bit FNV-1a hash of X's text
 *   rw_rot13(X)    X's text with ASCII letters rotated by 13
 *   rw_xorsum(X)   aggregate: exclusive or of the integers X
 *   rw_nocase      collation: ASCII case-insensitive, then by bytes
 */
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

static void fnv1a(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const unsigned char *s = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]), i;
  unsigned h = 2166136261u;
  (void)argc;
  if (s == NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  for (i = 0; i < n; i++) {
    h ^= s[i];
    h *= 16777619u;
  }
  sqlite3_result_int64(ctx, (sqlite3_int64)h);
}

static void rot13(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  const unsigned char *s = sqlite3_value_text(argv[0]);
  int n = sqlite3_value_bytes(argv[0]), i;
  char *out;
  (void)argc;
  if (s == NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  out = sqlite3_malloc(n + 1);
  if (out == NULL) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for (i = 0; i < n; i++) {
    unsigned char c = s[i];
    if (c >= 'a' && c <= 'z')
      c = (unsigned char)('a' + (c - 'a' + 13) % 26);
    else if (c >= 'A' && c <= 'Z')
      c = (unsigned char)('A' + (c - 'A' + 13) % 26);
    out[i] = (char)c;
  }
  out[n] = 0;
  sqlite3_result_text(ctx, out, n, sqlite3_free);
}

static void xorsum_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  sqlite3_int64 *acc = sqlite3_aggregate_context(ctx, sizeof *acc);
  (void)argc;
  if (acc != NULL && sqlite3_value_type(argv[0]) != SQLITE_NULL)
    *acc ^= sqlite3_value_int64(argv[0]);
}

static void xorsum_final(sqlite3_context *ctx) {
  sqlite3_int64 *acc = sqlite3_aggregate_context(ctx, 0);
  sqlite3_result_int64(ctx, acc ? *acc : 0);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static int nocase(void *arg, int n1, const void *p1, int n2, const void *p2) {
  const unsigned char *a = p1, *b = p2;
  int i, n = n1 < n2 ? n1 : n2;
  (void)arg;
  for (i = 0; i < n; i++)
    if (lower(a[i]) != lower(b[i]))
      return lower(a[i]) - lower(b[i]);
  if (n1 != n2)
    return n1 - n2;
  return memcmp(p1, p2, (size_t)n);
}

int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  int rc, flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  rc = sqlite3_create_function(db, "rw_fnv1a", 1, flags, NULL, fnv1a, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "rw_rot13", 1, flags, NULL, rot13, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "rw_xorsum", 1, flags, NULL, NULL, xorsum_step, xorsum_final);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_collation(db, "rw_nocase", SQLITE_UTF8, NULL, nocase);
  return rc;
}
