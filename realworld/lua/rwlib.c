/* rwlib: a Lua C module loaded by require "rwlib" (package.loadlib, so
 * dlopen under wasmdl). It calls back into Lua, keeps C closures with
 * upvalues, and has a userdata type with a metatable and a __gc that frees
 * memory from the C library's malloc.
 *
 *   rwlib.fnv1a(s)        32-bit FNV-1a hash of a string
 *   rwlib.sum(t)          sum of t[1..#t] (integers)
 *   rwlib.split(s, sep)   array of the pieces of s between bytes sep
 *   rwlib.map(t, f)       new array {f(t[1]), ..., f(t[#t])}
 *   rwlib.counter(n)      function returning n+1, n+2, ... on each call
 *   rwlib.buffer()        growable byte buffer: b:add(s...), b:len(), b:get()
 *   rwlib.freed()         how many buffers the collector has finalized
 */
#include <stdlib.h>
#include <string.h>

#include "lauxlib.h"
#include "lua.h"

#define BUFTYPE "rwlib.buffer"

static int freed_buffers;

static int l_fnv1a(lua_State *L) {
  size_t n, i;
  const char *s = luaL_checklstring(L, 1, &n);
  unsigned h = 2166136261u;
  for (i = 0; i < n; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  lua_pushinteger(L, (lua_Integer)h);
  return 1;
}

static int l_sum(lua_State *L) {
  lua_Integer n, i, total = 0;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = luaL_len(L, 1);
  for (i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    total += lua_tointeger(L, -1);
    lua_pop(L, 1);
  }
  lua_pushinteger(L, total);
  return 1;
}

static int l_split(lua_State *L) {
  size_t n, sepn;
  const char *s = luaL_checklstring(L, 1, &n);
  const char *sep = luaL_checklstring(L, 2, &sepn);
  const char *end = s + n, *p;
  lua_Integer k = 0;
  luaL_argcheck(L, sepn == 1, 2, "one byte expected");
  lua_newtable(L);
  while ((p = memchr(s, sep[0], (size_t)(end - s))) != NULL) {
    lua_pushlstring(L, s, (size_t)(p - s));
    lua_seti(L, -2, ++k);
    s = p + 1;
  }
  lua_pushlstring(L, s, (size_t)(end - s));
  lua_seti(L, -2, ++k);
  return 1;
}

static int l_map(lua_State *L) {
  lua_Integer n, i;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  n = luaL_len(L, 1);
  lua_createtable(L, (int)n, 0);
  for (i = 1; i <= n; i++) {
    lua_pushvalue(L, 2);
    lua_geti(L, 1, i);
    lua_call(L, 1, 1);
    lua_seti(L, -2, i);
  }
  return 1;
}

static int counter_next(lua_State *L) {
  lua_Integer v = lua_tointeger(L, lua_upvalueindex(1)) + 1;
  lua_pushinteger(L, v);
  lua_copy(L, -1, lua_upvalueindex(1));
  return 1;
}

static int l_counter(lua_State *L) {
  lua_pushinteger(L, luaL_optinteger(L, 1, 0));
  lua_pushcclosure(L, counter_next, 1);
  return 1;
}

struct buffer {
  char *p;
  size_t len, cap;
};

static int l_buffer(lua_State *L) {
  struct buffer *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->p = NULL;
  b->len = b->cap = 0;
  luaL_setmetatable(L, BUFTYPE);
  return 1;
}

static int buf_add(lua_State *L) {
  struct buffer *b = luaL_checkudata(L, 1, BUFTYPE);
  int i, top = lua_gettop(L);
  for (i = 2; i <= top; i++) {
    size_t n;
    const char *s = luaL_checklstring(L, i, &n);
    if (b->len + n > b->cap) {
      size_t cap = b->cap ? b->cap : 64;
      while (cap < b->len + n)
        cap *= 2;
      char *p = realloc(b->p, cap);
      if (p == NULL)
        return luaL_error(L, "out of memory");
      b->p = p;
      b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
  }
  lua_settop(L, 1);
  return 1;
}

static int buf_len(lua_State *L) {
  struct buffer *b = luaL_checkudata(L, 1, BUFTYPE);
  lua_pushinteger(L, (lua_Integer)b->len);
  return 1;
}

static int buf_get(lua_State *L) {
  struct buffer *b = luaL_checkudata(L, 1, BUFTYPE);
  lua_pushlstring(L, b->p ? b->p : "", b->len);
  return 1;
}

static int buf_gc(lua_State *L) {
  struct buffer *b = luaL_checkudata(L, 1, BUFTYPE);
  free(b->p);
  b->p = NULL;
  freed_buffers++;
  return 0;
}

static int l_freed(lua_State *L) {
  lua_pushinteger(L, freed_buffers);
  return 1;
}

static const luaL_Reg buffer_methods[] = {
    {"add", buf_add},
    {"len", buf_len},
    {"get", buf_get},
    {NULL, NULL},
};

static const luaL_Reg functions[] = {
    {"fnv1a", l_fnv1a},     {"sum", l_sum},       {"split", l_split},
    {"map", l_map},         {"counter", l_counter}, {"buffer", l_buffer},
    {"freed", l_freed},     {NULL, NULL},
};

int luaopen_rwlib(lua_State *L) {
  luaL_newmetatable(L, BUFTYPE);
  luaL_newlib(L, buffer_methods);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, buf_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newlib(L, functions);
  lua_pushliteral(L, "rwlib 1");
  lua_setfield(L, -2, "version");
  return 1;
}
