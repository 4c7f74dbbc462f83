-- Strings: building large strings from pieces and by repeated
-- concatenation, patterns (gmatch, gsub with a function, find),
-- string.format of integers and floats, pack/unpack, utf8, interning.
local parts = {}
for i = 1, 200000 do parts[i] = string.format("%06d:%x;", i, i * 31) end
local s = table.concat(parts)
print("built", #s, s:sub(1, 30))

local acc = ""
for i = 1, 20000 do acc = acc .. (i % 10) end
print("concat", #acc, acc:sub(-15))

local n = 0
for num in s:gmatch("(%d+):") do n = n + tonumber(num) end
print("gmatch sum", n)
local replaced, count = s:gsub("(%d+):(%x+);", function(a, b) return b .. "=" .. a .. "\n" end)
print("gsub", count, #replaced, (replaced:sub(1, 24):gsub("\n", "|")))
print("find", s:find("100000:", 1, true), s:find("%d%d%d%d%d%d:2f4"))

local r = ("abcXYZ"):rep(100000, "-")
print("rep", #r, r:upper():sub(1, 13), r:reverse():sub(1, 13), r:lower():sub(-6))

for i = 1, 10 do
  print(string.format("%.3f %g %e %5.1f %.17g", i / 7, i * 1e10 / 3, i / 3, -i * 2.25, 1 / i))
end
print(string.format("%q", "a\0b\n\"c\"\1\255"))
print(string.format("%-10s|%10s|%x|%X|%o|%c|%5.2s|", "left", "right", 255, 48879, 8, 65, "xyz"))
print(string.format("%q %q %q", 1 / 3, 2 ^ 63, math.mininteger))
print(math.pi, -0.0, 1e300 * 1e10, 2 ^ 53, 7 // 2, 7.0 // 2, 7 % -3, -7 % 3, 3 / 2)

local packed = string.pack("<i4 >i8 d z s2", -5, 1 << 40, 3.5, "zero", "counted")
print("pack", #packed, string.unpack("<i4 >i8 d z s2", packed))

local u = utf8.char(72, 228, 8364, 128512)
print("utf8", #u, utf8.len(u), table.concat({ utf8.codepoint(u, 1, -1) }, ","))

local set = {}
for i = 1, 200000 do set["str" .. (i % 50000)] = true end
local c = 0
for _ in pairs(set) do c = c + 1 end
print("interned", c)

local words = {}
for w in ("the quick brown fox jumps over the lazy dog "):rep(20000):gmatch("%a+") do
  words[w] = (words[w] or 0) + 1
end
local keys = {}
for k in pairs(words) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", words[k], " ") end
io.write("\n")
