-- Tables: millions of array and hash entries, growth and removal, sorting
-- with a Lua comparator, and the table library. Prints only values that do
-- not depend on traversal order or addresses.
local N = 2000000
local t = {}
for i = 1, N do t[i] = i * 3 % 1000003 end
local s = 0
for i = 1, N do s = s + t[i] end
print("array", #t, s)

local h = {}
for i = 1, 300000 do h[i * 7919] = i end
for i = 1, 300000 do h["k" .. i] = i * 2 end
local cnt, sum = 0, 0
for _, v in pairs(h) do cnt = cnt + 1; sum = sum + v end
print("hash", cnt, sum)
for i = 1, 300000, 2 do h["k" .. i] = nil; h[i * 7919] = nil end
cnt = 0
for _ in pairs(h) do cnt = cnt + 1 end
print("after removal", cnt, h[2 * 7919], h.k4, h.k5)

local r = {}
local x = 12345
for i = 1, 200000 do
  x = (x * 1103515245 + 12345) % 2147483648
  r[i] = x
end
table.sort(r, function(a, b) return a > b end)
local sorted = true
for i = 2, #r do sorted = sorted and r[i - 1] >= r[i] end
print("sorted", sorted, r[1], r[100000], r[200000])

local parts = {}
for i = 1, 100000 do parts[#parts + 1] = tostring(i) end
local joined = table.concat(parts, ",")
print("concat", #joined, joined:sub(1, 20), joined:sub(-20))
table.insert(parts, 1, "first")
table.remove(parts, 50000)
print("insert/remove", #parts, parts[1], parts[50000])
local moved = table.move(parts, 1, 10, 5, {})
print("move", table.concat(moved, " ", 5, 14))
print("unpack", select("#", table.unpack(parts, 1, 200)))

local m = {}
for i = 1, 500 do
  local row = {}
  for j = 1, 500 do row[j] = (i * j) % 97 end
  m[i] = row
end
local tr, all = 0, 0
for i = 1, 500 do
  tr = tr + m[i][i]
  for j = 1, 500 do all = all + m[i][j] end
end
print("matrix", tr, all)
