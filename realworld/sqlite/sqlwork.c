/* sqlwork: SQLite through its C API.
 *
 * Usage: sqlwork DB EXT DUMP   build a shop database in DB (":memory:" or a
 *                              file), query it, and write a dump to DUMP
 *        sqlwork --check DB DUMP  reopen an existing DB, check its integrity
 *                              and write its dump to DUMP
 *
 * The workload: tables filled with tens of thousands of rows through
 * prepared statements inside transactions, indexes, joins, grouping,
 * window functions, a recursive CTE, JSON, correlated subqueries, an
 * UPDATE and a DELETE pass, and functions, an aggregate and a collation
 * from the extension EXT, loaded with sqlite3_load_extension. Every query
 * result is printed; the data comes from a fixed pseudo-random sequence and
 * nothing depends on the time. The dump lists every table row by row; its
 * FNV-1a hash and row counts are printed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static sqlite3 *db;
static unsigned rng = 0x9e3779b9u;

static unsigned next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void die(const char *what) {
  printf("FAIL: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
  exit(1);
}

static void exec(const char *sql) {
  char *err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    printf("FAIL: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

static sqlite3_stmt *prepare(const char *sql) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    die(sql);
  return st;
}

/* format_row appends the row st is on to out, columns separated by '|':
 * NULL, integers and text as they are, reals with SQLite's own
 * formatting, blobs in hex. */
static void format_row(sqlite3_str *out, sqlite3_stmt *st) {
  int i, k, n = sqlite3_column_count(st);
  for (i = 0; i < n; i++) {
    if (i)
      sqlite3_str_appendchar(out, 1, '|');
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
      sqlite3_str_appendall(out, "NULL");
      break;
    case SQLITE_INTEGER:
      sqlite3_str_appendf(out, "%lld", sqlite3_column_int64(st, i));
      break;
    case SQLITE_FLOAT:
      sqlite3_str_appendf(out, "%!.15g", sqlite3_column_double(st, i));
      break;
    case SQLITE_BLOB: {
      const unsigned char *p = sqlite3_column_blob(st, i);
      sqlite3_str_appendall(out, "x'");
      for (k = 0; k < sqlite3_column_bytes(st, i); k++)
        sqlite3_str_appendf(out, "%02x", p[k]);
      sqlite3_str_appendchar(out, 1, '\'');
      break;
    }
    default:
      sqlite3_str_appendf(out, "'%s'", (const char *)sqlite3_column_text(st, i));
    }
  }
  sqlite3_str_appendchar(out, 1, '\n');
}

/* row_text returns the row st is on as one line (sqlite3_free it). */
static char *row_text(sqlite3_stmt *st) {
  sqlite3_str *out = sqlite3_str_new(db);
  format_row(out, st);
  return sqlite3_str_finish(out);
}

/* query prints every row of sql, columns separated by '|', under a title. */
static void query(const char *title, const char *sql) {
  sqlite3_stmt *st = prepare(sql);
  int rc, rows = 0;
  printf("-- %s\n", title);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    char *line = row_text(st);
    fputs(line, stdout);
    sqlite3_free(line);
    rows++;
  }
  if (rc != SQLITE_DONE)
    die(sql);
  sqlite3_finalize(st);
  if (rows == 0)
    printf("(no rows)\n");
}

static const char *const first[] = {"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald",
                                    "Ken", "Dennis", "Niklaus", "Frances", "John", "Leslie"};
static const char *const last[] = {"Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth",
                                   "Thompson", "Ritchie", "Wirth", "Allen", "Backus", "Lamport"};
static const char *const cities[] = {"Paris", "Berlin", "Oslo", "Lisbon", "Vienna", "Prague",
                                     "Dublin", "Madrid"};
static const char *const things[] = {"widget", "gadget", "sprocket", "gizmo", "doohickey",
                                     "contraption", "device", "apparatus"};

static void fill(void) {
  sqlite3_stmt *st;
  char buf[64];
  int i;
  exec("CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, born INT);"
       "CREATE TABLE product(id INTEGER PRIMARY KEY, title TEXT UNIQUE, cents INT, tags TEXT);"
       "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INT REFERENCES customer,"
       " product INT REFERENCES product, qty INT, day INT);"
       "CREATE TABLE note(id INTEGER PRIMARY KEY, body TEXT, data BLOB);");
  exec("BEGIN");
  st = prepare("INSERT INTO customer(name, city, born) VALUES(?1, ?2, ?3)");
  for (i = 0; i < 3000; i++) {
    const char *given = first[next() % 12]; /* one draw per statement: */
    const char *family = last[next() % 12]; /* argument order is unspecified */
    snprintf(buf, sizeof buf, "%s %s %d", given, family, i);
    sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
    if (next() % 17 == 0)
      sqlite3_bind_null(st, 2);
    else
      sqlite3_bind_text(st, 2, cities[next() % 8], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, 1930 + (int)(next() % 80));
    if (sqlite3_step(st) != SQLITE_DONE)
      die("insert customer");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  st = prepare("INSERT INTO product(title, cents, tags) VALUES(?1, ?2, json_array(?3, ?4))");
  for (i = 0; i < 400; i++) {
    snprintf(buf, sizeof buf, "%s mk%d", things[i % 8], i);
    sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, 99 + (int)(next() % 50000));
    sqlite3_bind_text(st, 3, things[next() % 8], -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)(next() % 5));
    if (sqlite3_step(st) != SQLITE_DONE)
      die("insert product");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec("COMMIT");

  /* orders in several transactions */
  st = prepare("INSERT INTO orders(customer, product, qty, day) VALUES(?, ?, ?, ?)");
  for (i = 0; i < 60000; i++) {
    if (i % 15000 == 0)
      exec("BEGIN");
    sqlite3_bind_int(st, 1, 1 + (int)(next() % 3000));
    sqlite3_bind_int(st, 2, 1 + (int)(next() % 390)); /* ten products never ordered */
    sqlite3_bind_int(st, 3, 1 + (int)(next() % 9));
    sqlite3_bind_int(st, 4, (int)(next() % 365));
    if (sqlite3_step(st) != SQLITE_DONE)
      die("insert order");
    sqlite3_reset(st);
    if (i % 15000 == 14999)
      exec("COMMIT");
  }
  sqlite3_finalize(st);

  st = prepare("INSERT INTO note(body, data) VALUES(?, ?)");
  exec("BEGIN");
  for (i = 0; i < 2000; i++) {
    unsigned char blob[48];
    int k, len = 8 + (int)(next() % 40);
    for (k = 0; k < len; k++)
      blob[k] = (unsigned char)next();
    snprintf(buf, sizeof buf, "note %d: %s", i, things[next() % 8]);
    sqlite3_bind_text(st, 1, buf, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, blob, len, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_DONE)
      die("insert note");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  exec("COMMIT");
  exec("CREATE INDEX orders_customer ON orders(customer);"
       "CREATE INDEX orders_product ON orders(product, day);"
       "CREATE INDEX customer_city ON customer(city, born);"
       "CREATE VIEW revenue AS SELECT o.customer AS customer, SUM(o.qty * p.cents) AS cents"
       " FROM orders o JOIN product p ON p.id = o.product GROUP BY o.customer;");
}

static void queries(void) {
  query("counts", "SELECT (SELECT count(*) FROM customer), (SELECT count(*) FROM product),"
                  " (SELECT count(*) FROM orders), (SELECT count(*) FROM note)");
  query("total revenue", "SELECT SUM(o.qty * p.cents), printf('%.2f', SUM(o.qty * p.cents) / 100.0)"
                         " FROM orders o JOIN product p ON p.id = o.product");
  query("top customers", "SELECT c.name, c.city, r.cents FROM revenue r JOIN customer c ON c.id = r.customer"
                         " ORDER BY r.cents DESC, c.id LIMIT 10");
  query("per city", "SELECT ifnull(city, '(none)'), count(*), min(born), max(born),"
                    " printf('%.3f', avg(born)) FROM customer GROUP BY city ORDER BY city");
  query("never ordered", "SELECT id, title FROM product p WHERE NOT EXISTS"
                         " (SELECT 1 FROM orders o WHERE o.product = p.id) ORDER BY id");
  query("best day per product kind",
        "SELECT kind, day, qty FROM (SELECT substr(p.title, 1, instr(p.title, ' ') - 1) AS kind, o.day,"
        " SUM(o.qty) AS qty, rank() OVER (PARTITION BY substr(p.title, 1, instr(p.title, ' ') - 1)"
        " ORDER BY SUM(o.qty) DESC, o.day) AS rk FROM orders o JOIN product p ON p.id = o.product"
        " GROUP BY kind, o.day) WHERE rk = 1 ORDER BY kind");
  query("running total", "SELECT day, SUM(qty), SUM(SUM(qty)) OVER (ORDER BY day ROWS UNBOUNDED PRECEDING)"
                         " FROM orders WHERE day < 8 GROUP BY day ORDER BY day");
  query("recursive cte", "WITH RECURSIVE n(i, f) AS (SELECT 1, 1 UNION ALL SELECT i + 1, (f * (i + 1)) % 1000003"
                         " FROM n WHERE i < 5000) SELECT count(*), sum(i), max(f), (SELECT f FROM n WHERE i = 5000) FROM n");
  query("strings", "SELECT upper(name), length(name), replace(name, 'a', '4'), substr(name, -3),"
                   " name LIKE '%ing%', name GLOB '*[0-9]7' FROM customer WHERE id % 600 = 1 ORDER BY id");
  query("group_concat", "SELECT city, group_concat(id, ',') FROM (SELECT city, id FROM customer"
                        " WHERE born = 1950 ORDER BY id) GROUP BY city ORDER BY city");
  query("json", "SELECT json_extract(tags, '$[0]') AS t, count(*), sum(json_extract(tags, '$[1]')),"
                " json_object('n', count(*), 'first', min(id)) FROM product GROUP BY t ORDER BY t");
  query("blobs", "SELECT count(*), sum(length(data)), hex(substr(max(data), 1, 6)), min(length(data))"
                 " FROM note");
  query("extension functions",
        "SELECT name, rw_fnv1a(name), rw_rot13(name), rw_fnv1a(rw_rot13(rw_rot13(name))) = rw_fnv1a(name)"
        " FROM customer WHERE id % 700 = 0 ORDER BY id");
  query("extension aggregate", "SELECT city, rw_xorsum(born * id), rw_xorsum(rw_fnv1a(name)) FROM customer"
                               " GROUP BY city ORDER BY city");
  query("extension collation", "SELECT title FROM (SELECT DISTINCT upper(substr(title, 1, 1)) || lower(substr(title, 2, 4)) AS title"
                               " FROM product UNION ALL SELECT 'WIDGE' UNION ALL SELECT 'gizMO')"
                               " ORDER BY title COLLATE rw_nocase, title");

  exec("BEGIN;"
       "UPDATE product SET cents = cents * 11 / 10 WHERE id IN (SELECT product FROM orders GROUP BY product"
       " HAVING SUM(qty) > 800);"
       "DELETE FROM orders WHERE day > 360 OR (qty = 9 AND customer % 7 = 0);"
       "UPDATE customer SET city = 'Oslo' WHERE city IS NULL AND born < 1950;"
       "COMMIT;");
  query("after update and delete", "SELECT (SELECT count(*) FROM orders), (SELECT SUM(cents) FROM product),"
                                   " (SELECT count(*) FROM customer WHERE city IS NULL)");
  query("changes", "SELECT total_changes()");
  query("query plan", "EXPLAIN QUERY PLAN SELECT c.name, p.title FROM orders o JOIN customer c ON c.id = o.customer"
                      " JOIN product p ON p.id = o.product WHERE o.customer = 5 ORDER BY o.day");
}

static unsigned long dump_hash;

static void dump_line(FILE *f, const char *s) {
  fputs(s, f);
  while (*s) {
    dump_hash ^= (unsigned char)*s++;
    dump_hash = (dump_hash * 16777619u) & 0xffffffffu;
  }
}

/* dump writes the schema and every row of every table, in order, to path,
 * and prints each table's row count and the hash of the text. */
static void dump(const char *path) {
  FILE *f = fopen(path, "w");
  sqlite3_stmt *tables;
  if (f == NULL) {
    printf("FAIL: cannot write %s\n", path);
    exit(1);
  }
  dump_hash = 2166136261u;
  tables = prepare("SELECT type, name, sql FROM sqlite_schema ORDER BY type, name");
  while (sqlite3_step(tables) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(tables, 0);
    const char *name = (const char *)sqlite3_column_text(tables, 1);
    const char *sql = (const char *)sqlite3_column_text(tables, 2);
    char *line = sqlite3_mprintf("%s %s: %s\n", type, name, sql ? sql : "(auto)");
    dump_line(f, line);
    sqlite3_free(line);
    if (strcmp(type, "table") != 0)
      continue;
    char *q = sqlite3_mprintf("SELECT * FROM \"%w\" ORDER BY rowid", name);
    sqlite3_stmt *rows = prepare(q);
    int n = 0;
    while (sqlite3_step(rows) == SQLITE_ROW) {
      char *row = row_text(rows);
      dump_line(f, row);
      sqlite3_free(row);
      n++;
    }
    sqlite3_finalize(rows);
    sqlite3_free(q);
    printf("dump %s: %d rows\n", name, n);
  }
  sqlite3_finalize(tables);
  if (fclose(f) != 0) {
    printf("FAIL: writing %s\n", path);
    exit(1);
  }
  printf("dump hash %08lx\n", dump_hash);
}

static void open_db(const char *path) {
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    die("open");
  exec("PRAGMA temp_store = MEMORY");
}

int main(int argc, char **argv) {
  char *err = NULL;
  if (argc == 4 && strcmp(argv[1], "--check") == 0) {
    open_db(argv[2]);
    query("integrity", "PRAGMA integrity_check");
    query("page count", "PRAGMA page_count");
    dump(argv[3]);
    sqlite3_close(db);
    return 0;
  }
  if (argc != 4) {
    fprintf(stderr, "usage: sqlwork DB EXT DUMP | sqlwork --check DB DUMP\n");
    return 2;
  }
  printf("sqlite %s\n", sqlite3_libversion());
  open_db(argv[1]);
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, NULL) != SQLITE_OK)
    die("enable load extension");
  if (sqlite3_load_extension(db, argv[2], NULL, &err) != SQLITE_OK) {
    printf("FAIL: load_extension %s: %s\n", argv[2], err ? err : "?");
    return 1;
  }
  fill();
  queries();
  dump(argv[3]);
  if (sqlite3_close(db) != SQLITE_OK)
    die("close");
  printf("closed\n");
  return 0;
}
