-- Closures and upvalues, varargs, metatables and inheritance, and garbage
-- collection: cycles, weak tables and finalizers. Counts are taken after
-- two full collections, so they do not depend on when the incremental
-- collector ran (which depends on object sizes, so on the platform).
local function counter()
  local n = 0
  return function(k) n = n + (k or 1); return n end
end
local cs = {}
for i = 1, 100000 do cs[i] = counter() end
local total = 0
for i = 1, 100000 do cs[i](i); total = total + cs[i](1) end
print("closures", total)

local function pair()
  local v = 0
  return function() v = v + 1; return v end, function() return v end
end
local inc, get = pair()
for _ = 1, 1000 do inc() end
print("shared upvalue", get())

local function va(...)
  local t = table.pack(...)
  local s = 0
  for i = 1, t.n do s = s + (t[i] or 0) end
  return t.n, s, select(-1, ...)
end
print("varargs", va(1, 2, nil, 4, 5))

local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({ x = x, y = y }, Vec) end
Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__len = function(v) return v.x * v.x + v.y * v.y end
Vec.__tostring = function(v) return string.format("(%g, %g)", v.x, v.y) end
function Vec:scale(k) return Vec.new(self.x * k, self.y * k) end
local acc = Vec.new(0, 0)
for i = 1, 200000 do acc = acc + Vec.new(i % 7, -(i % 3)) end
print("vectors", tostring(acc), #acc, acc == Vec.new(599997, -199999), tostring(acc:scale(0.5)))

local Animal = {}
Animal.__index = Animal
function Animal.new(name) return setmetatable({ name = name }, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
local Dog = setmetatable({}, { __index = Animal })
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name); return setmetatable(d, Dog) end
function Dog:speak() return self.name .. " barks; " .. Animal.speak(self) end
print(Dog.new("rex"):speak())

local memo = setmetatable({}, { __index = function(t, k)
  local v = k < 2 and k or t[k - 1] + t[k - 2]
  t[k] = v
  return v
end })
print("fib", memo[90])

local weak = setmetatable({}, { __mode = "k" })
local finalized = 0
local kept = {}
for round = 1, 5 do
  for i = 1, 50000 do
    local o = setmetatable({ id = i }, { __gc = function() finalized = finalized + 1 end })
    local a, b = {}, {}
    a.other, b.other = b, a
    weak[o] = a
    if i % 10 == 0 then kept[#kept + 1] = o end
  end
  collectgarbage("collect")
  collectgarbage("collect")
  local live = 0
  for _ in pairs(weak) do live = live + 1 end
  print("gc round", round, "weak entries", live, "finalized", finalized)
end
kept = nil
collectgarbage("collect")
collectgarbage("collect")
local live = 0
for _ in pairs(weak) do live = live + 1 end
print("after dropping", "weak entries", live, "finalized", finalized)
