-- A small strict JSON decoder and encoder for the control server. Debian's nginx Lua module ships
-- without lua-cjson; this avoids an extra system package. Only the control server (a few requests
-- per change, never the request path) uses it.
local byte, sub, find, char, concat, tonumber, type, pairs, ipairs =
  string.byte, string.sub, string.find, string.char, table.concat, tonumber, type, pairs, ipairs
local floor, huge = math.floor, math.huge

local M = {}

-- Sentinel for JSON null (nil cannot live in a Lua table).
M.null = setmetatable({}, { __tostring = function() return "null" end })

local MAX_DEPTH = 32

-- Metatable marking arrays (decoded or to encode), so [] and {} stay distinct.
local array_mt = { __array = true }
M.array_mt = array_mt

local function fail(pos, msg)
  error({ json_error = msg .. " at byte " .. pos }, 0)
end

local function skip(str, pos)
  local _, e = find(str, "^[ \t\r\n]*", pos)
  return e + 1
end

local escapes = {
  [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [102] = "\f", [110] = "\n", [114] = "\r", [116] = "\t",
}

local function utf8(cp)
  if cp < 0x80 then return char(cp) end
  if cp < 0x800 then return char(0xC0 + floor(cp / 0x40), 0x80 + cp % 0x40) end
  if cp < 0x10000 then
    return char(0xE0 + floor(cp / 0x1000), 0x80 + floor(cp / 0x40) % 0x40, 0x80 + cp % 0x40)
  end
  return char(0xF0 + floor(cp / 0x40000), 0x80 + floor(cp / 0x1000) % 0x40, 0x80 + floor(cp / 0x40) % 0x40,
    0x80 + cp % 0x40)
end

local function decode_string(str, pos) -- pos is at the opening quote
  local parts, n, i = nil, 0, pos + 1
  while true do
    local s = find(str, '["\\%z\1-\31]', i)
    if not s then fail(pos, "unterminated string") end
    local c = byte(str, s)
    if c == 34 then
      if not parts then return sub(str, pos + 1, s - 1), s + 1 end
      n = n + 1; parts[n] = sub(str, i, s - 1)
      return concat(parts, "", 1, n), s + 1
    elseif c == 92 then
      parts = parts or {}
      n = n + 1; parts[n] = sub(str, i, s - 1)
      local e = byte(str, s + 1)
      if e == 117 then
        local hex = sub(str, s + 2, s + 5)
        if not find(hex, "^%x%x%x%x$") then fail(s, "bad \\u escape") end
        local cp, nexti = tonumber(hex, 16), s + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = sub(str, s + 6, s + 7) == "\\u" and sub(str, s + 8, s + 11)
          lo = lo and find(lo, "^%x%x%x%x$") and tonumber(lo, 16)
          if not lo or lo < 0xDC00 or lo > 0xDFFF then fail(s, "unpaired surrogate") end
          cp, nexti = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00), s + 12
        elseif cp >= 0xDC00 and cp <= 0xDFFF then
          fail(s, "unpaired surrogate")
        end
        n = n + 1; parts[n] = utf8(cp)
        i = nexti
      else
        local r = e and escapes[e]
        if not r then fail(s, "bad escape") end
        n = n + 1; parts[n] = r
        i = s + 2
      end
    else
      fail(s, "control character in string")
    end
  end
end

local decode_value

local function decode_array(str, pos, depth)
  local arr, n = setmetatable({}, array_mt), 0
  pos = skip(str, pos + 1)
  if byte(str, pos) == 93 then return arr, pos + 1 end
  while true do
    local v
    v, pos = decode_value(str, pos, depth)
    n = n + 1; arr[n] = v
    pos = skip(str, pos)
    local c = byte(str, pos)
    if c == 93 then return arr, pos + 1 end
    if c ~= 44 then fail(pos, "expected ',' or ']'") end
    pos = skip(str, pos + 1)
  end
end

local function decode_object(str, pos, depth)
  local obj = {}
  pos = skip(str, pos + 1)
  if byte(str, pos) == 125 then return obj, pos + 1 end
  while true do
    if byte(str, pos) ~= 34 then fail(pos, "expected a string key") end
    local k
    k, pos = decode_string(str, pos)
    pos = skip(str, pos)
    if byte(str, pos) ~= 58 then fail(pos, "expected ':'") end
    local v
    v, pos = decode_value(str, skip(str, pos + 1), depth)
    obj[k] = v
    pos = skip(str, pos)
    local c = byte(str, pos)
    if c == 125 then return obj, pos + 1 end
    if c ~= 44 then fail(pos, "expected ',' or '}'") end
    pos = skip(str, pos + 1)
  end
end

decode_value = function(str, pos, depth)
  local c = byte(str, pos)
  if c == 34 then return decode_string(str, pos) end
  if c == 123 or c == 91 then
    if depth >= MAX_DEPTH then fail(pos, "nesting too deep") end
    if c == 123 then return decode_object(str, pos, depth + 1) end
    return decode_array(str, pos, depth + 1)
  end
  if c == 116 and sub(str, pos, pos + 3) == "true" then return true, pos + 4 end
  if c == 102 and sub(str, pos, pos + 4) == "false" then return false, pos + 5 end
  if c == 110 and sub(str, pos, pos + 3) == "null" then return M.null, pos + 4 end
  local s, e = find(str, "^-?%d+", pos)
  if s then
    local _, fe = find(str, "^%.%d+", e + 1)
    e = fe or e
    local _, ee = find(str, "^[eE][-+]?%d+", e + 1)
    e = ee or e
    local num = tonumber(sub(str, s, e))
    if not num then fail(pos, "bad number") end
    return num, e + 1
  end
  fail(pos, "unexpected character")
end

--- Decodes a JSON text. Returns value or nil, error message.
function M.decode(str)
  if type(str) ~= "string" then return nil, "body is not a string" end
  local ok, res, pos = pcall(function()
    local v, p = decode_value(str, skip(str, 1), 0)
    return v, skip(str, p)
  end)
  if not ok then
    if type(res) == "table" and res.json_error then return nil, res.json_error end
    return nil, tostring(res)
  end
  if pos <= #str then return nil, "trailing data at byte " .. pos end
  return res
end

local function encode_string(s)
  s = s:gsub('[%z\1-\31"\\\127]', function(c)
    return string.format("\\u%04x", byte(c))
  end)
  return '"' .. s .. '"'
end

local encode
-- Tables with array_mt, or non-empty sequences, encode as arrays.

encode = function(v, out)
  local t = type(v)
  if v == nil or v == M.null then
    out[#out + 1] = "null"
  elseif t == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif t == "number" then
    if v ~= v or v == huge or v == -huge then out[#out + 1] = "null"
    elseif v == floor(v) and v > -1e15 and v < 1e15 then out[#out + 1] = string.format("%d", v)
    else out[#out + 1] = string.format("%.17g", v) end
  elseif t == "string" then
    out[#out + 1] = encode_string(v)
  elseif t == "table" then
    if getmetatable(v) == array_mt or (#v > 0) then
      out[#out + 1] = "["
      for i, x in ipairs(v) do
        if i > 1 then out[#out + 1] = "," end
        encode(x, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        out[#out + 1] = encode_string(k)
        out[#out + 1] = ":"
        encode(v[k], out)
      end
      out[#out + 1] = "}"
    end
  else
    error("cannot encode " .. t)
  end
end

--- Encodes a Lua value as JSON (object keys sorted, so output is deterministic).
function M.encode(v)
  local out = {}
  encode(v, out)
  return concat(out)
end

return M
