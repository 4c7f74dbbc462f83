-- Errors across the C module: raised in the C library (a bad argument),
-- raised in Lua inside a call from C, with values, thousands of times;
-- every one a longjmp between liblua.so, rwlib.so and the interpreter.
package.cpath = "./?.so"
local rw = require "rwlib"
print(pcall(rw.sum, "not a table"))
print(pcall(rw.map, { 1, 2, 3 }, function(x)
  if x == 2 then error("from Lua inside C", 0) end
  return x
end))
local ok, e = pcall(rw.map, { 1 }, function() error({ code = 7 }) end)
print(ok, e.code)
local n = 0
for i = 1, 5000 do
  if not pcall(rw.sum, i) then n = n + 1 end
end
print("caught", n)
print(select(2, xpcall(rw.split, function(m) return "handled: " .. m end)))
local c = rw.counter(1)
print(pcall(function() return c() + c() end))
