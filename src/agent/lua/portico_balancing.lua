-- How one request picks a peer of an upstream: round robin, ewma, consistent hashing on a variable
-- expression (upstream-hash-by, also to a subset of peers), cookie affinity (balanced or persistent)
-- and canary routing.
-- Semantics follow ingress-nginx's Lua balancer (rootfs/etc/nginx/lua/balancer*); the code is ours.
-- Policies arrive with the endpoints (see portico.lua), so none of this needs a reload.
local ngx = ngx
local crc32 = ngx.crc32_long
local md5 = ngx.md5
local floor, ceil, random, exp = math.floor, math.ceil, math.random, math.exp
local sub, find, gsub, lower, format = string.sub, string.find, string.gsub, string.lower, string.format
local concat, sort = table.concat, table.sort
local tonumber, tostring, type, pairs, ipairs = tonumber, tostring, type, pairs, ipairs

local _M = {}

-- Points per peer on the hash ring: enough for an even spread, cheap to build.
local RING_POINTS = 100
-- EWMA of response times decays with this time constant (seconds), as ingress-nginx's default.
local EWMA_DECAY = 10

---------------------------------------------------------------------------------------------------
-- Upstream state (built per worker from the pushed peers and policy, dropped on the next push)

local function peer_key(peer) return peer[1] .. ":" .. peer[2] end

-- The parts of an upstream-hash-by expression: literal strings and variable names.
local function compile_expression(expr)
  local parts, n, pos = {}, 0, 1
  while pos <= #expr do
    local s, e, name = find(expr, "%$([%a_][%w_]*)", pos)
    if not s then
      n = n + 1; parts[n] = { false, sub(expr, pos) }
      break
    end
    if s > pos then n = n + 1; parts[n] = { false, sub(expr, pos, s - 1) } end
    n = n + 1; parts[n] = { true, name }
    pos = e + 1
  end
  return parts
end

local function eval_expression(parts)
  local out = {}
  local var = ngx.var
  for i, p in ipairs(parts) do
    if p[1] then out[i] = var[p[2]] or "" else out[i] = p[2] end
  end
  return concat(out)
end

-- Consistent hash ring over the peers: a key maps to the first point at or after its hash, so a
-- peer added or removed moves only the keys of its own points.
local function build_ring_of(keys)
  local points = {}
  local n = 0
  for i, k in ipairs(keys) do
    local base = k .. "#"
    for j = 1, RING_POINTS do
      n = n + 1
      points[n] = { crc32(base .. j), i }
    end
  end
  sort(points, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  local hashes, owners = {}, {}
  for i = 1, n do hashes[i], owners[i] = points[i][1], points[i][2] end
  return { hashes = hashes, owners = owners, n = n }
end

local function build_ring(peers)
  local keys = {}
  for i, peer in ipairs(peers) do keys[i] = peer_key(peer) end
  return build_ring_of(keys)
end

-- upstream-hash-by-subset (ingress-nginx's chashsubset): the peers, in address order, cut into
-- subsets of `size` (the last one filled up from the first peers, so all are the same size); a key
-- maps to a subset on a ring of subset ids, and each request to a random peer of that subset.
local function build_subsets(peers, size)
  local order = {}
  for i = 1, #peers do order[i] = i end
  sort(order, function(a, b) return peer_key(peers[a]) < peer_key(peers[b]) end)
  local count = ceil(#order / size)
  local subsets, ids = {}, {}
  local k = 0
  for i = 1, count do
    local set = {}
    for j = 1, size do
      k = k + 1
      set[j] = order[(k - 1) % #order + 1]
    end
    subsets[i], ids[i] = set, "set" .. i
  end
  return subsets, build_ring_of(ids)
end

-- Index of the first ring point at or after hash(key), wrapping around.
local function ring_slot(ring, key)
  local h = crc32(key)
  local lo, hi = 1, ring.n
  if h > ring.hashes[hi] then return 1 end
  while lo < hi do
    local mid = floor((lo + hi) / 2)
    if ring.hashes[mid] < h then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- The peer a key maps to, skipping peers in `skip` (addr:port -> true) by walking the ring.
local function ring_find(ups, key, skip)
  local ring = ups.ring
  if not ring then ring = build_ring(ups.peers); ups.ring = ring end
  local slot = ring_slot(ring, key)
  for _ = 1, ring.n do
    local idx = ring.owners[slot]
    if not skip or not skip[peer_key(ups.peers[idx])] then return idx end
    slot = slot % ring.n + 1
  end
  return nil
end

-- ewma statistics per upstream and peer, kept across pushes so a new endpoint list does not
-- forget what is known about the peers that stay.
local ewma_stats = {}

function _M.new_upstream(name, peers, policy)
  local ups = { name = name, peers = peers, policy = policy or false, rr = 0 }
  if policy then
    if policy.hashBy then ups.hash_parts = compile_expression(policy.hashBy) end
    if policy.hashBy and policy.hashSubsetSize and #peers > 0 then ups.subsets, ups.subset_ring = build_subsets(peers, policy.hashSubsetSize) end
    local a = policy.affinity
    if a then
      -- Tells a session of this upstream from one of its canary (ingress-nginx keeps both sticky).
      ups.backend_key = sub(md5(name), 1, 12)
      ups.cookie_var = "cookie_" .. a.name
      if a.mode == "persistent" then
        local by_hash = {}
        for i, peer in ipairs(peers) do by_hash[sub(md5(name .. "|" .. peer_key(peer)), 1, 16)] = i end
        ups.by_hash = by_hash
      end
    end
    local c = policy.canary
    if c and c.header then ups.canary_header_var = "http_" .. gsub(lower(c.header), "-", "_") end
    if c and c.cookie then ups.canary_cookie_var = "cookie_" .. c.cookie end
    if policy.loadBalance == "ewma" then
      local old = ewma_stats[name] or {}
      local stats = {}
      for _, peer in ipairs(peers) do
        local k = peer_key(peer)
        stats[k] = old[k] or { ewma = 0, at = 0, active = 0 }
      end
      ewma_stats[name] = stats
      ups.stats = stats
    end
  end
  return ups
end

---------------------------------------------------------------------------------------------------
-- Cookie affinity

-- "<key>|<backend key>" -> key, backend key.
local function read_cookie(ups)
  local raw = ngx.var[ups.cookie_var]
  if not raw then return nil, nil end
  local bar = find(raw, "|", 1, true)
  if not bar then return raw, nil end
  return sub(raw, 1, bar - 1), sub(raw, bar + 1)
end

function _M.is_affinitized(ups)
  if not ups.backend_key then return false end
  local _, backend = read_cookie(ups)
  return backend == ups.backend_key
end

-- User agents that reject or mishandle SameSite=None (the list ingress-nginx checks, as patterns).
local SAMESITE_NONE_INCOMPATIBLE = {
  "CPU iPhone OS 12", "iPad; CPU OS 12", "Macintosh; Intel Mac OS X 10_14[_%d]*%) AppleWebKit/[%d.]+ %(KHTML, like Gecko%) Version/",
  "Chrom[ei][um]*/5[1-9]%.", "Chrom[ei][um]*/6[0-6]%.", "UCBrowser/[0-9]%.", "UCBrowser/1[01]%.", "UCBrowser/12%.1[0-2]%.",
}

local function samesite_none_compatible(ua)
  if not ua then return true end
  for _, pat in ipairs(SAMESITE_NONE_INCOMPATIBLE) do
    if find(ua, pat) then return false end
  end
  return true
end

-- A path of the affinity locations matches the URI (Exact: equal; Prefix: whole path elements;
-- "~": a regex location, any URI). Returns the longest matching path.
local function cookie_location_path(a)
  if not a.locations then return nil end
  local server = ngx.var.server_name
  local locs
  if server == "_" then
    locs = a.locations[""]
  else
    locs = a.locations[server]
    if not locs then
      -- A wildcard server's name is the regex it is rendered as: look its host up as *.<rest>.
      local host = ngx.var.host
      local dot = host and find(host, ".", 1, true)
      if dot then locs = a.locations["*" .. sub(host, dot)] end
    end
  end
  if not locs then return nil end
  local uri = ngx.var.uri
  local best
  for _, p in ipairs(locs) do
    local ok
    if p == "~" then ok = true
    elseif p == "/" or uri == p then ok = true
    else ok = sub(uri, 1, #p) == p and sub(uri, #p + 1, #p + 1) == "/" end
    if ok and (not best or (best == "~") or (p ~= "~" and #p > #best)) then best = p end
  end
  return best
end

local function set_cookie(ups, key)
  local a = ups.policy.affinity
  local where = cookie_location_path(a)
  if not where then return end -- not one of the locations that asked for affinity
  local path = a.path or (where == "~" and "/" or where)
  local attrs = { a.name .. "=" .. key .. "|" .. ups.backend_key, "Path=" .. path }
  if a.domain then attrs[#attrs + 1] = "Domain=" .. a.domain end
  if a.expires then attrs[#attrs + 1] = "Expires=" .. ngx.cookie_time(ngx.time() + a.expires) end
  if a.maxAge then attrs[#attrs + 1] = "Max-Age=" .. format("%d", a.maxAge) end
  local secure = a.secure
  if secure == nil then secure = ngx.var.https == "on" end
  if secure then attrs[#attrs + 1] = "Secure" end
  attrs[#attrs + 1] = "HttpOnly"
  local samesite = a.sameSite
  if samesite == "None" and a.conditionalSameSiteNone and not samesite_none_compatible(ngx.var.http_user_agent) then samesite = nil end
  if samesite then attrs[#attrs + 1] = "SameSite=" .. samesite end
  local cookie = concat(attrs, "; ")
  local existing = ngx.header["Set-Cookie"]
  if existing == nil then
    ngx.header["Set-Cookie"] = cookie
  elseif type(existing) == "table" then
    existing[#existing + 1] = cookie
    ngx.header["Set-Cookie"] = existing
  else
    ngx.header["Set-Cookie"] = { existing, cookie }
  end
end

-- The sticky peer of this request, or a new one (cookie written) when there is none, it is gone,
-- or it just failed and change-on-failure is set.
local function sticky_peer(ups, failed, tried)
  local a = ups.policy.affinity
  local key = read_cookie(ups)
  local idx
  if key then
    if a.mode == "persistent" then idx = ups.by_hash[key] else idx = ring_find(ups, key) end
  end
  if idx and not (failed and a.changeOnFailure) then return idx end
  local new_key
  if a.mode == "persistent" then
    local candidates = {}
    for i, peer in ipairs(ups.peers) do
      if not tried or not tried[peer_key(peer)] then candidates[#candidates + 1] = i end
    end
    if #candidates == 0 then return idx end
    idx = candidates[random(#candidates)]
    new_key = sub(md5(ups.name .. "|" .. peer_key(ups.peers[idx])), 1, 16)
  else
    for i = 1, 20 do
      local k = format("%s.%d.%d", ngx.now() + i, ngx.worker.pid(), random(999999))
      local j = ring_find(ups, k, tried)
      if j then idx, new_key = j, k break end
    end
    if not new_key then return idx end
  end
  set_cookie(ups, new_key)
  return idx
end

---------------------------------------------------------------------------------------------------
-- ewma: the lower latency-weighted load of two random peers (power of two choices)

local function ewma_score(stats, now)
  local s = stats
  if s.at == 0 then return 0 end
  local w = exp(-(now - s.at) / EWMA_DECAY)
  return s.ewma * w * (s.active + 1)
end

local function ewma_pick(ups, tried)
  local peers, n = ups.peers, #ups.peers
  local now = ngx.now()
  local a, b = random(n), random(n)
  if n > 1 then while b == a do b = random(n) end end
  if tried then
    -- After a failure, prefer peers not tried yet.
    if tried[peer_key(peers[a])] then for i = 1, n do if not tried[peer_key(peers[i])] then a = i break end end end
    if tried[peer_key(peers[b])] then b = a end
  end
  local sa, sb = ups.stats[peer_key(peers[a])], ups.stats[peer_key(peers[b])]
  if ewma_score(sb, now) < ewma_score(sa, now) then a, sa = b, sb end
  sa.active = sa.active + 1
  return a
end

-- A failed attempt no longer counts as active on its peer.
function _M.ewma_release(ups, addr)
  local s = ups.stats and ups.stats[addr]
  if s and s.active > 0 then s.active = s.active - 1 end
end

-- Log phase: fold this request's upstream response time into its peer's ewma.
function _M.ewma_done(ups, addr)
  local s = ups.stats and addr and ups.stats[addr]
  if not s then return end
  if s.active > 0 then s.active = s.active - 1 end
  local rt = tonumber(ngx.var.upstream_response_time) or tonumber(ngx.var.upstream_connect_time)
  if not rt then return end
  local now = ngx.now()
  if s.at == 0 then
    s.ewma = rt
  else
    local w = exp(-(now - s.at) / EWMA_DECAY)
    s.ewma = s.ewma * w + rt * (1 - w)
  end
  s.at = now
end

---------------------------------------------------------------------------------------------------
-- Choosing a peer

-- A random peer of the key's subset that this request has not tried (nil when all were tried).
local function subset_peer(ups, key, tried)
  local ring = ups.subset_ring
  local set = ups.subsets[ring.owners[ring_slot(ring, key)]]
  local left = {}
  for _, i in ipairs(set) do
    if not tried or not tried[peer_key(ups.peers[i])] then left[#left + 1] = i end
  end
  if #left == 0 then return nil end
  return left[random(#left)]
end

-- Index of the peer for this attempt. `state` is per request: nil on the first attempt, then the
-- table this function returns as second value (tried peers, previous index).
function _M.pick(ups, state)
  local peers = ups.peers
  local n = #peers
  local policy = ups.policy
  local tried = state and state.tried
  local idx
  if not policy then
    if state then idx = state.idx % n + 1 else idx = ups.rr % n + 1; ups.rr = idx end
  elseif policy.affinity then
    idx = sticky_peer(ups, state ~= nil, tried)
  elseif ups.hash_parts then
    local key = state and state.key or eval_expression(ups.hash_parts)
    if ups.subsets then idx = subset_peer(ups, key, tried) end
    idx = idx or ring_find(ups, key, tried) or 1
    if not state then state = { key = key } end
  elseif policy.loadBalance == "ewma" then
    idx = ewma_pick(ups, tried)
  else
    if state then idx = state.idx % n + 1 else idx = ups.rr % n + 1; ups.rr = idx end
  end
  return idx, state
end

---------------------------------------------------------------------------------------------------
-- Canary: whether a request of the primary upstream goes to its canary

-- `alt` is the canary's upstream state (nil when it has no endpoints).
function _M.to_canary(primary, alt)
  local c = primary.policy and primary.policy.canary
  if not c or not alt then return false end
  -- A session stuck to the primary stays there; one stuck to the canary goes there.
  if _M.is_affinitized(primary) then return false end
  if _M.is_affinitized(alt) then return true end
  if primary.canary_header_var then
    local v = ngx.var[primary.canary_header_var]
    if v then
      if c.headerValue then
        if v == c.headerValue then return true end
      elseif c.headerPattern then
        local m, _, err = ngx.re.find(v, c.headerPattern, "jo") -- from, to, err
        if m then return true end
        if err then ngx.log(ngx.ERR, "portico: canary-by-header-pattern ", c.headerPattern, ": ", err) return false end
      elseif v == "always" then return true
      elseif v == "never" then return false end
    end
  end
  if primary.canary_cookie_var then
    local v = ngx.var[primary.canary_cookie_var]
    if v == "always" then return true elseif v == "never" then return false end
  end
  local total = c.weightTotal or 100
  return (c.weight or 0) > 0 and random(total) <= c.weight
end

---------------------------------------------------------------------------------------------------
-- Validation of pushed policies (the agent checks them too; nginx never trusts its input)

local TOKEN = "^[%w!#%$%%&'%*%+%-%.%^_`|~]+$" -- RFC 7230 token: header and cookie names
local function str(v, max) return type(v) == "string" and #v > 0 and #v <= (max or 256) end
local function int(v, lo, hi) return type(v) == "number" and v == floor(v) and v >= lo and v <= hi end

function _M.validate(name, p, upstreams)
  local where = "balancing " .. name .. ": "
  if type(p) ~= "table" then return where .. "must be an object" end
  if p.loadBalance ~= nil and p.loadBalance ~= "round_robin" and p.loadBalance ~= "ewma" then return where .. "loadBalance must be round_robin or ewma" end
  if p.hashBy ~= nil and not (str(p.hashBy, 256) and find(p.hashBy, "%$[%a_]") and not find(p.hashBy, "[%s;{}\"'\\]")) then
    return where .. "hashBy must be an nginx variable expression"
  end
  if p.hashSubsetSize ~= nil and not (p.hashBy ~= nil and int(p.hashSubsetSize, 1, 1024)) then
    return where .. "hashSubsetSize must be 1..1024, with hashBy"
  end
  local a = p.affinity
  if a ~= nil then
    if type(a) ~= "table" then return where .. "affinity must be an object" end
    if a.mode ~= "balanced" and a.mode ~= "persistent" then return where .. "affinity.mode must be balanced or persistent" end
    if not (str(a.name, 128) and find(a.name, TOKEN)) then return where .. "affinity.name must be a cookie name" end
    if a.path ~= nil and not (str(a.path, 1024) and find(a.path, "^/[%w%-%._~/%%!%$&'%(%)%*%+,=:@]*$")) then return where .. "affinity.path must be a path" end
    if a.domain ~= nil and not (str(a.domain, 253) and find(a.domain, "^%.?[%w%-%.]+$")) then return where .. "affinity.domain must be a domain" end
    if a.expires ~= nil and not int(a.expires, -2^31, 2^31) then return where .. "affinity.expires must be an integer" end
    if a.maxAge ~= nil and not int(a.maxAge, -2^31, 2^31) then return where .. "affinity.maxAge must be an integer" end
    if a.sameSite ~= nil and a.sameSite ~= "None" and a.sameSite ~= "Lax" and a.sameSite ~= "Strict" then return where .. "affinity.sameSite must be None, Lax or Strict" end
    if type(a.locations) ~= "table" then return where .. "affinity.locations must be an object" end
  end
  local c = p.canary
  if c ~= nil then
    if type(c) ~= "table" or not str(c.upstream) then return where .. "canary.upstream must be an upstream name" end
    if upstreams[c.upstream] == nil then return where .. "canary.upstream " .. tostring(c.upstream) .. " has no endpoints entry" end
    if c.header ~= nil and not (str(c.header, 128) and find(c.header, TOKEN)) then return where .. "canary.header must be a header name" end
    if c.cookie ~= nil and not (str(c.cookie, 128) and find(c.cookie, TOKEN)) then return where .. "canary.cookie must be a cookie name" end
    if c.headerValue ~= nil and not str(c.headerValue, 1024) then return where .. "canary.headerValue must be a string" end
    if c.headerPattern ~= nil then
      if not str(c.headerPattern, 1024) then return where .. "canary.headerPattern must be a string" end
      local _, _, err = ngx.re.find("", c.headerPattern, "jo") -- from, to, err
      if err then return where .. "canary.headerPattern: " .. err end
    end
    if not int(c.weightTotal, 1, 2^31) or not int(c.weight, 0, c.weightTotal) then return where .. "canary.weight must be 0..weightTotal" end
  end
  return nil
end

return _M
