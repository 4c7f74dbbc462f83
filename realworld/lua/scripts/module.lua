-- A C module loaded by require: rwlib.so through package.cpath and
-- dlopen, with C calling back into Lua, C closures and userdata with
-- finalizers.
package.cpath = "./?.so"
local rw = require "rwlib"
print(rw.version)
print("fnv1a", rw.fnv1a(""), rw.fnv1a("hello"), rw.fnv1a(string.rep("wasm", 1000)))
local t = {}
for i = 1, 1000000 do t[i] = i end
print("sum", rw.sum(t))
local parts = rw.split(("a,b,,c,"):rep(10000), ",")
print("split", #parts, parts[1], parts[3], parts[#parts - 1])
local sq = rw.map(t, function(x) return x * x % 1000 end)
print("map", #sq, rw.sum(sq))
local c = rw.counter(10)
for _ = 1, 99 do c() end
print("counter", c())
for i = 1, 20000 do
  local b = rw.buffer()
  b:add("x", tostring(i), ("y"):rep(i % 100))
end
local keep = rw.buffer():add("hello ", "from ", "C")
collectgarbage("collect")
collectgarbage("collect")
print("buffers freed", rw.freed(), keep:len(), keep:get())
print("same module", require("rwlib") == rw)
print("found at", package.searchpath("rwlib", package.cpath))
