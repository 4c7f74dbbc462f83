/* dlopen for the statically linked builds of the suite, which make
 * realworld-bench compares with the dynamically linked ones: each program
 * loads one plugin by path (Lua's rwlib.so, SQLite's rwext.so, xmlwork's
 * xmlplug.so), and here that path resolves to the copy of the plugin linked
 * into the program, so the program's code runs unchanged. Nothing is
 * unloaded: a plugin's C++ destructors run at exit, not at dlclose.
 * Compiled with -DSTATICDL_LUA, -DSTATICDL_SQLITE or -DSTATICDL_TINYXML2. */
#include <dlfcn.h>
#include <string.h>

#if defined(STATICDL_LUA)
struct lua_State;
int luaopen_rwlib(struct lua_State *L);
#define PLUGIN_FILE "rwlib.so"
#define PLUGIN_SYMBOL "luaopen_rwlib"
#define PLUGIN_ENTRY luaopen_rwlib
#elif defined(STATICDL_SQLITE)
struct sqlite3;
struct sqlite3_api_routines;
int sqlite3_extension_init(struct sqlite3 *db, char **err, const struct sqlite3_api_routines *api);
#define PLUGIN_FILE "rwext.so"
#define PLUGIN_SYMBOL "sqlite3_extension_init"
#define PLUGIN_ENTRY sqlite3_extension_init
#elif defined(STATICDL_TINYXML2)
struct XmlPlugin;
struct XmlPlugin *xmlplug_create(int version); /* extern "C" in xmlplug.cpp */
#define PLUGIN_FILE "xmlplug.so"
#define PLUGIN_SYMBOL "xmlplug_create"
#define PLUGIN_ENTRY xmlplug_create
#else
#error "compile with -DSTATICDL_LUA, -DSTATICDL_SQLITE or -DSTATICDL_TINYXML2"
#endif

static int plugin;
static const char *last_error;

static int is_plugin(const char *path) {
  const char *base = strrchr(path, '/');
  return strcmp(base ? base + 1 : path, PLUGIN_FILE) == 0;
}

void *dlopen(const char *path, int flags) {
  (void)flags;
  if (path != NULL && is_plugin(path))
    return &plugin;
  last_error = "static build: no such plugin";
  return NULL;
}

void *dlsym(void *__restrict handle, const char *__restrict name) {
  if (handle == &plugin && strcmp(name, PLUGIN_SYMBOL) == 0)
    return (void *)PLUGIN_ENTRY;
  last_error = "static build: undefined symbol";
  return NULL;
}

int dlclose(void *handle) { return handle == &plugin ? 0 : -1; }

char *dlerror(void) {
  const char *e = last_error;
  last_error = NULL;
  return (char *)e;
}
