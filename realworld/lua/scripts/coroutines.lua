-- Coroutines: generators, a producer/consumer pipeline and many live
-- coroutines. Lua yields by longjmp, so this needs a Lua built with a real
-- setjmp (not the "abort" variant).
local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i) end
  end)
end
local s = 0
for v in gen(100000) do s = s + v end
print("generator", s)

local function producer()
  return coroutine.create(function()
    for i = 1, 50000 do coroutine.yield(string.format("item%d", i)) end
    return "done"
  end)
end
local function filter(p)
  return coroutine.create(function()
    while true do
      local ok, v = coroutine.resume(p)
      if coroutine.status(p) == "dead" then return v end
      if #v % 2 == 0 then coroutine.yield(v) end
    end
  end)
end
local f = filter(producer())
local count, last = 0, nil
while true do
  local _, v = coroutine.resume(f)
  if coroutine.status(f) == "dead" then last = v; break end
  count = count + 1
end
print("pipeline", count, last)

local cos = {}
for i = 1, 10000 do
  cos[i] = coroutine.create(function(a) local b = coroutine.yield(a + 1); return a + b end)
end
local t = 0
for i = 1, 10000 do
  local _, x = coroutine.resume(cos[i], i)
  local _, y = coroutine.resume(cos[i], x)
  t = t + y
end
print("many", t, coroutine.status(cos[1]), coroutine.isyieldable())
