-- Errors: error/pcall/xpcall with values and tracebacks, errors from the
-- libraries, and to-be-closed variables. Raising an error is a longjmp, so
-- this needs a Lua built with a real setjmp (not the "abort" variant).
print(pcall(error, "plain"))
print(pcall(error, { code = 42 }) and "no" or select(2, pcall(error, { code = 42 })).code)
print(pcall(function() local x = nil; return x.y end))
print(select(2, pcall(string.rep)))
print(xpcall(function() error("deep", 0) end, function(m) return "handled: " .. m end))
local n = 0
for i = 1, 10000 do
  local ok = pcall(function() if i % 3 == 0 then error(i) end end)
  if not ok then n = n + 1 end
end
print("caught", n)
do
  local closed = {}
  local ok, err = pcall(function()
    local a <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "a" end })
    local b <close> = setmetatable({}, { __close = function() closed[#closed + 1] = "b" end })
    error("with closes", 0)
  end)
  print(ok, err, table.concat(closed, ","))
end
print(pcall(load("return 1 +")))
