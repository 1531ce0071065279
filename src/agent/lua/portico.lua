-- Portico's Lua side of nginx: endpoints and certificates live in shared dicts, pushed by the agent
-- through the control server, so endpoint and certificate changes never need a reload.
--
-- Shared dicts (declared by the rendered nginx.conf):
--   portico_endpoints     "<g>u:<upstream>" -> "addr port,addr port,..."; "<g>b:<upstream>" -> balancing
--                         policy (JSON); "<g>r:<host>" -> dynamic route (JSON); "<g>R:" -> JSON list of
--                         the routed hosts the running config serves itself
--   portico_certificates  "<g>s:<sni>" -> certificate id; "<g>c:<id>" -> cert PEM .. "\0" .. key PEM
--   portico_state         versions, hashes pushed by the agent, config generation
-- Each pushed set (endpoints, routes, certificates) lives in generation <g> "1" or "2": a push fills
-- the generation not in use whole, then "g:<set>" in the set's own dict flips to it (beside the
-- data it points into: a reload that resizes a dict gives it a fresh zone while portico_state is
-- kept); a push that runs out of room is removed and answered 507, and the running set stays untouched.
-- Each worker keeps decoded copies and drops them when the set's version counter moves.
-- Debian's lua-cjson (C): decoding a large endpoint push costs a fraction of a Lua-written parser.
local cjson = require("cjson.safe")
local balancing = require("portico_balancing")
-- Loaded once with the module (init_by_lua), not per request.
local balancer = require("ngx.balancer")
local ssl = require("ngx.ssl")

local ngx = ngx
local shared = ngx.shared
local find, sub, lower, gmatch = string.find, string.sub, string.lower, string.gmatch
local tonumber, tostring, type, pairs, ipairs = tonumber, tostring, type, pairs, ipairs

local _M = {}

local config = {
  no_endpoint_status = 503,
  -- At most this many peers are tried for one request (connection errors move to the next peer).
  max_tries = 3,
  -- Cap on the per-worker SNI lookup cache (arbitrary SNI names must not grow memory without bound).
  sni_cache_size = 4096,
  -- nginx's own server that answers no_endpoint_status to anything (rendered beside the default
  -- backend; the renderer passes its address): the balancer's peer for a request whose upstream
  -- has no endpoint.
  unavailable_addr = nil,
  unavailable_port = nil,
  -- The port ssl-redirects name (the renderer's), and the 404 page host fallbacks answer with.
  https_port = 443,
  not_found_page = "not found",
}

-- Generation of the configuration this Lua VM was loaded with: bumped in the master on every
-- (re)load, so the agent can tell when workers of a new configuration answer.
_M.generation = 0

local function dicts()
  return shared.portico_endpoints, shared.portico_certificates, shared.portico_state
end

---------------------------------------------------------------------------------------------------
-- Pushed sets, in two generations

local function pushed_set(name, dict, kinds)
  return {
    name = name, dict = dict, kinds = kinds,
    version_key = name .. "_version", generation_key = "g:" .. name,
    version = false,  -- the version this worker's decoded copies reflect
    gen = "1",        -- the generation prefix of the running set
    checked_at = -1,
  }
end

local endpoint_set = pushed_set("endpoints", "portico_endpoints", { "u:", "b:" })
local route_set = pushed_set("routes", "portico_endpoints", { "r:", "R:" })
local certificate_set = pushed_set("certificates", "portico_certificates", { "c:", "s:" })

local function running_generation(set)
  return tostring(shared[set.dict]:get(set.generation_key) or 1)
end

-- True when the set's version moved since this worker last looked (the caller drops its decoded
-- copies); `set.gen` then names the running generation. The version is read at most once per tick
-- of nginx's cached clock (ngx.now(), updated once per event loop iteration): a push reaches this
-- worker within a millisecond or so, and a busy worker does not pay a lookup per request. The
-- generation flips before the version moves, and the old generation stays until the next push
-- clears it, so a worker that has not looked yet still reads a whole set.
local function moved(set, state)
  local now = ngx.now()
  if now == set.checked_at then return false end
  set.checked_at = now
  local v = state:get(set.version_key) or 0
  if v == set.version then return false end
  set.version = v
  set.gen = running_generation(set)
  return true
end

-- Deletes the set's keys of generation g.
local function clear_generation(dict, set, g)
  for _, key in ipairs(dict:get_keys(0)) do
    if sub(key, 1, 1) == g then
      local kind = sub(key, 2, 3)
      for _, k in ipairs(set.kinds) do
        if kind == k then dict:delete(key) break end
      end
    end
  end
end

-- Writes the whole set (`entries`: key -> value) into the generation not in use, then flips the
-- pointer and moves the version; returns the new version. Out of room: the partial new generation
-- is removed and the running set stays whole. (The agent sends one push at a time, so two never
-- interleave.)
local function store_set(set, state, entries)
  local dict = shared[set.dict]
  local next_gen = running_generation(set) == "1" and "2" or "1"
  clear_generation(dict, set, next_gen)
  local function refuse(key, err)
    clear_generation(dict, set, next_gen)
    return nil, "storing " .. key .. ": " .. tostring(err) .. " (the running " .. set.name .. " are unchanged)"
  end
  for key, value in pairs(entries) do
    -- safe_set never evicts other entries: running out of memory is an error, not silent loss.
    local ok, err = dict:safe_set(next_gen .. key, value)
    if not ok then return refuse(key, err) end
  end
  local ok, err = dict:safe_set(set.generation_key, tonumber(next_gen))
  if not ok then return refuse(set.generation_key, err) end
  local version = state:incr(set.version_key, 1, 0)
  set.checked_at = -1 -- this worker sees the push at once (others within a clock tick)
  return version
end

-- How many keys of each kind the running generation of the set holds (kind -> count), and, with
-- `each`, each key of `kind` without its prefix.
local function running_keys(set, kind, each)
  local dict = shared[set.dict]
  local g = running_generation(set)
  local counts = {}
  for _, k in ipairs(set.kinds) do counts[k] = 0 end
  for _, key in ipairs(dict:get_keys(0)) do
    if sub(key, 1, 1) == g then
      local k = sub(key, 2, 3)
      if counts[k] then
        counts[k] = counts[k] + 1
        if each and k == kind then each(sub(key, 4), dict:get(key)) end
      end
    end
  end
  return counts
end

function _M.configure(opts)
  for k, v in pairs(opts or {}) do config[k] = v end
  local _, _, state = dicts()
  if state then
    local gen = state:incr("generation", 1, 0)
    _M.generation = gen or 0
  end
end

function _M.init_worker()
  -- Nothing to preload: workers fill their caches lazily from the shared dicts.
end

---------------------------------------------------------------------------------------------------
-- Dynamic routes: what a config being tested and reloaded answers differently from the running
-- one, for plain hosts (see src/core/render/dynamic-routes.ts)
--
-- "<g>r:<host>" -> JSON { https = bool, exact = {path: target}, prefix = {path: target} }, target =
-- { upstream = name } or {} (the host's 404 page), plus sslRedirect = true; "<g>R:" -> the routed
-- hosts the running config has a server for. Pushed by the agent before it tests and reloads the
-- config. A host without a server: the default server's rewrite_by_lua (route()) answers it as its
-- own server will after the reload. A served host: the balancer takes the table's upstream, and its
-- 404 fallback (fallback()) the table's answer.

local route_cache = {}   -- host -> decoded route; only hosts that have one (a Host header is client input)
local served, served_n = {}, 0

local function sync_routes(state)
  if not moved(route_set, state) then return end
  route_cache = {}
  served, served_n = {}, 0
  local list = cjson.decode(shared.portico_endpoints:get(route_set.gen .. "R:") or "[]")
  if type(list) == "table" then
    for _, h in ipairs(list) do served[h] = true; served_n = served_n + 1 end
  end
end

local function by_length_desc(a, b) return #a[1] > #b[1] end

local function get_route(endpoints, host)
  local r = route_cache[host]
  if r then return r end
  local raw = endpoints:get(route_set.gen .. "r:" .. host)
  if not raw then return nil end
  r = cjson.decode(raw)
  if not r then return nil end
  local prefixes = {}
  for p, t in pairs(r.prefix) do prefixes[#prefixes + 1] = { p, t } end
  table.sort(prefixes, by_length_desc)
  r.prefixes = prefixes
  route_cache[host] = r
  return r
end

-- nginx's location choice over a route: the exact path, else the longest prefix.
local function pick(r, uri)
  local t = r.exact[uri]
  if t then return t end
  for _, p in ipairs(r.prefixes) do
    if sub(uri, 1, #p[1]) == p[1] then return p[2] end
  end
  return nil
end

-- The target of this request when its host is one the running config serves and the table changed.
local function served_target(var)
  if served_n == 0 then return nil end
  local host = var.host
  if not host or not served[host] then return nil end
  local r = get_route(shared.portico_endpoints, host)
  return r and pick(r, var.uri)
end

local function https_redirect(var)
  local port = config.https_port
  return ngx.redirect("https://" .. var.host .. (port == 443 and "" or ":" .. port) .. var.request_uri, 308)
end

local function not_found()
  local page = config.not_found_page
  ngx.status = 404
  ngx.header["Content-Type"] = "text/html"
  ngx.header["Content-Length"] = #page
  ngx.print(page)
  return ngx.exit(ngx.HTTP_OK)
end

-- Rewrite phase of the default server: a request for a routed host goes where that host's own
-- server would send it: nginx's location choice (exact, else the longest prefix), then the named
-- locations the default server renders for it.
function _M.route()
  if ngx.req.is_internal() then return end -- the named locations below inherit this handler
  local endpoints, _, state = dicts()
  sync_routes(state)
  local var = ngx.var
  local host = var.host
  if not host or host == "" then return end
  local r = get_route(endpoints, host)
  if not r then return end
  local https = var.https == "on"
  if https and not r.https then return end -- that host's server does not listen for HTTPS
  local t = pick(r, var.uri)
  if not t then return end
  if t.sslRedirect and not https then return ngx.exec("@portico_route_https") end
  if not t.upstream then return ngx.exec("@portico_route_not_found") end
  var.portico_upstream = t.upstream
  return ngx.exec("@portico_route")
end

-- Rewrite phase of a host server's 404 fallback (`location /` when no rule has `/`): the 404 page,
-- or the host's ssl-redirect (`redirect`), as `return` would; or, when the table gives the URI of
-- this served host an upstream, that upstream (the location's proxy_pass goes there).
function _M.fallback(redirect)
  sync_routes(shared.portico_state)
  local var = ngx.var
  local t = served_target(var)
  if t then redirect = t.sslRedirect end
  if redirect and var.https ~= "on" then return https_redirect(var) end
  if t and t.upstream then
    var.portico_upstream = t.upstream
    return
  end
  return not_found()
end

---------------------------------------------------------------------------------------------------
-- Endpoints and balancing

local ups_cache = {}       -- upstream -> state built by portico_balancing.new_upstream (or false when unknown)
local rr_carry = {}        -- upstream -> round robin counter, kept across pushes

local function parse_peers(raw)
  local peers, n = {}, 0
  for addr, port in gmatch(raw, "([^ ,]+) (%d+)") do
    n = n + 1
    peers[n] = { addr, tonumber(port) }
  end
  return peers
end

local function sync_endpoints(state)
  if moved(endpoint_set, state) then
    for name, ups in pairs(ups_cache) do if ups then rr_carry[name] = ups.rr end end
    ups_cache = {}
  end
end

-- The upstream's state (peers, policy, balancer data), or nil when nothing was pushed for it.
local function get_upstream(name)
  local endpoints, _, state = dicts()
  sync_endpoints(state)
  local ups = ups_cache[name]
  if ups == nil then
    local g = endpoint_set.gen
    local raw = endpoints:get(g .. "u:" .. name)
    if raw then
      local policy
      local braw = endpoints:get(g .. "b:" .. name)
      if braw then policy = cjson.decode(braw) end
      ups = balancing.new_upstream(name, parse_peers(raw), policy)
      ups.rr = rr_carry[name] or 0
    else
      ups = false
    end
    ups_cache[name] = ups
  end
  return ups or nil
end

-- Where a request of the location's upstream `name` goes: the upstream itself, its canary, or
-- (when it has no ready endpoint) the location's default-backend annotation. Returns the chosen
-- upstream's state and name, or nil when none of them has an endpoint. Decided once per request
-- (the balancer's first attempt, or the access phase where a location has one), and written into
-- $portico_upstream, which the balancer's retries and the access log read.
local function choose(name)
  local ups = get_upstream(name)
  if not ups or #ups.peers == 0 then
    local fallback = ngx.var.portico_fallback_upstream
    if fallback and fallback ~= "" then
      local fb = get_upstream(fallback)
      if fb and #fb.peers > 0 then
        ngx.var.portico_upstream = fallback
        return fb, fallback
      end
    end
    return nil
  end
  local c = ups.policy and ups.policy.canary
  if c then
    local alt = get_upstream(c.upstream)
    if alt and #alt.peers > 0 and balancing.to_canary(ups, alt) then
      ngx.var.portico_upstream = c.upstream
      return alt, c.upstream
    end
  end
  return ups, name
end

-- Access phase, rendered only into locations whose backend protocol the balancer cannot answer
-- for (HTTPS, gRPC: see balance()): answers no_endpoint_status itself and decides the upstream.
function _M.access()
  local name = ngx.var.portico_upstream
  if not name or name == "" then return end
  if not choose(name) then return ngx.exit(config.no_endpoint_status) end
end

-- The balancer: the only Lua most requests run. On the first attempt it decides the upstream
-- (choose); a request with no endpoint anywhere goes to nginx's own "unavailable" server
-- (config.unavailable_addr:port, which answers no_endpoint_status), so the location needs no
-- access-phase handler.
function _M.balance()
  local name = ngx.var.portico_upstream
  sync_routes(shared.portico_state)
  if served_n > 0 then
    -- A served host whose table changed: the location's upstream is the table's (dynamic-routes.ts
    -- admits only changes where that is all that differs for a URI this location takes).
    local t = served_target(ngx.var)
    if t and t.upstream and t.upstream ~= name then
      name = t.upstream
      ngx.var.portico_upstream = name
    end
  end
  local ctx_state
  local ups = name and get_upstream(name)
  if ups and #ups.peers == 1 and not ups.policy then
    -- The common case: one endpoint, plain round robin, nothing to decide or retry (no ngx.ctx,
    -- which costs a table per request).
    local peer = ups.peers[1]
    local ok, err = balancer.set_current_peer(peer[1], peer[2])
    if not ok then
      ngx.log(ngx.ERR, "portico: cannot set peer ", peer[1], ":", peer[2], ": ", err)
      return ngx.exit(ngx.ERROR)
    end
    return
  end
  local ctx = ngx.ctx
  ctx_state = ctx.portico_balance
  if not ctx_state and name then
    ups, name = choose(name)
  end
  if not ups or #ups.peers == 0 then
    if config.unavailable_addr and config.unavailable_port then
      local ok, err = balancer.set_current_peer(config.unavailable_addr, config.unavailable_port)
      if ok then return end
      ngx.log(ngx.ERR, "portico: cannot set the unavailable server as peer: ", err)
    end
    ngx.log(ngx.ERR, "portico: no endpoints for upstream ", tostring(name))
    return ngx.exit(ngx.ERROR)
  end
  local peers = ups.peers
  local n = #peers
  local st = ctx_state
  if st then
    -- A retry after a failed attempt: the balancer moves on (or, for sticky sessions without
    -- change-on-failure, tries the same peer again). Endpoints may have been pushed in between,
    -- so the previous index may no longer name a peer.
    local prev = peers[st.idx]
    if prev then
      local key = prev[1] .. ":" .. prev[2]
      if ups.stats then balancing.ewma_release(ups, key) end
      local tried = st.tried or {}
      tried[key] = true
      st.tried = tried
    end
  end
  local idx, state = balancing.pick(ups, st)
  if not idx then idx = 1 end
  st = state or st or {}
  st.idx = idx
  ctx.portico_balance = st
  if not ctx.portico_more_tries then
    ctx.portico_more_tries = true
    local more = (n < config.max_tries and n or config.max_tries) - 1
    if more > 0 then balancer.set_more_tries(more) end
  end
  local peer = peers[idx]
  local ok, err = balancer.set_current_peer(peer[1], peer[2])
  if not ok then
    ngx.log(ngx.ERR, "portico: cannot set peer ", peer[1], ":", peer[2], ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

-- Log phase, rendered only into the locations of ewma upstreams: ewma learns from the response time.
function _M.log()
  local name = ngx.var.portico_upstream
  if not name or name == "" then return end
  local ups = ups_cache[name]
  if not ups or not ups.stats then return end
  local st = ngx.ctx.portico_balance
  local peer = st and ups.peers[st.idx] or ups.peers[1]
  if peer then balancing.ewma_done(ups, peer[1] .. ":" .. peer[2]) end
end

---------------------------------------------------------------------------------------------------
-- Certificates

local sni_cache, sni_cache_n = {}, 0  -- server name -> certificate id (or false: no match)
local parsed = {}                     -- certificate id -> { raw, cert, key }

local function sync_certificates(certs, state)
  if moved(certificate_set, state) then
    sni_cache, sni_cache_n = {}, 0
    -- Keep parsed certificates whose stored PEM is unchanged; drop the rest.
    local g = certificate_set.gen
    for id, entry in pairs(parsed) do
      if certs:get(g .. "c:" .. id) ~= entry.raw then parsed[id] = nil end
    end
  end
end

local function lookup_sni(certs, name)
  local id = sni_cache[name]
  if id ~= nil then return id or nil end
  local cert_gen = certificate_set.gen
  id = certs:get(cert_gen .. "s:" .. name)
  if not id then
    -- A wildcard matches exactly one label: a.foo.com -> *.foo.com, never a.b.foo.com -> *.foo.com.
    local dot = find(name, ".", 1, true)
    if dot and dot > 1 then id = certs:get(cert_gen .. "s:*" .. sub(name, dot)) end
  end
  if sni_cache_n >= config.sni_cache_size then sni_cache, sni_cache_n = {}, 0 end
  sni_cache[name] = id or false
  sni_cache_n = sni_cache_n + 1
  return id
end

local function split_pair(raw)
  local z = find(raw, "\0", 1, true)
  if not z then return nil end
  return sub(raw, 1, z - 1), sub(raw, z + 1)
end

local function parse_pair(ssl, cert_pem, key_pem)
  local cert, err = ssl.parse_pem_cert(cert_pem)
  if not cert then return nil, "certificate: " .. tostring(err) end
  local key, kerr = ssl.parse_pem_priv_key(key_pem)
  if not key then return nil, "key: " .. tostring(kerr) end
  return cert, key
end

function _M.certificate()
  local _, certs, state = dicts()
  local name = ssl.server_name()
  sync_certificates(certs, state)
  local id
  if name and name ~= "" then id = lookup_sni(certs, lower(name)) end
  -- No SNI or no match: the IngressController's default TLS Secret ("*"), if it has one,
  -- else nginx keeps the generated default certificate.
  if not id then id = certs:get(certificate_set.gen .. "s:*") end
  if not id then return end
  local entry = parsed[id]
  if not entry then
    local raw = certs:get(certificate_set.gen .. "c:" .. id)
    if not raw then return end
    local cert_pem, key_pem = split_pair(raw)
    if not cert_pem then return end
    local cert, key = parse_pair(ssl, cert_pem, key_pem)
    if not cert then
      ngx.log(ngx.ERR, "portico: certificate ", id, " unusable: ", key)
      return
    end
    entry = { raw = raw, cert = cert, key = key }
    parsed[id] = entry
  end
  local ok, err = ssl.clear_certs()
  if ok then ok, err = ssl.set_cert(entry.cert) end
  if ok then ok, err = ssl.set_priv_key(entry.key) end
  if not ok then
    ngx.log(ngx.ERR, "portico: cannot set certificate ", id, ": ", err)
    return ngx.exit(ngx.ERROR)
  end
end

---------------------------------------------------------------------------------------------------
-- Control server

local function respond(status, body)
  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.say(cjson.encode(body))
  return ngx.exit(status)
end

local function read_body()
  ngx.req.read_body()
  local body = ngx.req.get_body_data()
  if body then return body end
  local file = ngx.req.get_body_file()
  if not file then return nil end
  local fh, err = io.open(file, "rb")
  if not fh then return nil, err end
  body = fh:read("*a")
  fh:close()
  return body
end

-- cjson decodes objects and arrays alike into tables: an object here is a table whose keys are
-- strings (an empty one passes; so does an empty array, which means the same: nothing).
local function is_object(v)
  if type(v) ~= "table" then return false end
  local k = next(v)
  return k == nil or type(k) == "string"
end

local function is_array(v)
  if type(v) ~= "table" then return false end
  local k = next(v)
  return k == nil or type(k) == "number"
end

local function valid_address(a)
  return type(a) == "string" and #a > 0 and #a <= 45 and find(a, "^[%x:.]+$") ~= nil
end

local function valid_port(p)
  return type(p) == "number" and p == math.floor(p) and p >= 1 and p <= 65535
end

local function post_endpoints(state, body)
  local data, err = cjson.decode(body)
  if not data then return respond(400, { error = "invalid JSON: " .. tostring(err) }) end
  if not is_object(data) or not is_object(data.endpoints or {}) or not is_object(data.balancing or {}) then
    return respond(400, { error = "body must be { endpoints: {upstream: [...]}, balancing: {upstream: {...}} }" })
  end
  local upstreams = data.endpoints or {}
  local entries, count = {}, 0
  for name, list in pairs(upstreams) do
    if not is_array(list) then
      return respond(400, { error = "upstream " .. name .. ": endpoints must be an array" })
    end
    local parts = {}
    for i, ep in ipairs(list) do
      if type(ep) ~= "table" then
        return respond(400, { error = "upstream " .. name .. " endpoint " .. i .. ": must be an object" })
      end
      local addr = ep.address
      if type(addr) == "string" and sub(addr, 1, 1) == "[" then addr = sub(addr, 2, -2) end
      if not valid_address(addr) then
        return respond(400, { error = "upstream " .. name .. " endpoint " .. i .. ": address must be an IP literal" })
      end
      if not valid_port(ep.port) then
        return respond(400, { error = "upstream " .. name .. " endpoint " .. i .. ": port must be 1-65535" })
      end
      parts[i] = addr .. " " .. string.format("%d", ep.port)
    end
    entries["u:" .. name] = table.concat(parts, ",")
    count = count + 1
  end
  -- A policy nginx cannot use (say, a header pattern PCRE refuses) is dropped alone: that upstream
  -- falls back to round robin and the agent hears why; every endpoint still applies.
  local errors = {}
  for name, policy in pairs(data.balancing or {}) do
    local perr
    if upstreams[name] == nil then perr = "balancing " .. name .. ": no endpoints entry for this upstream"
    else perr = balancing.validate(name, policy, upstreams) end
    if perr then
      ngx.log(ngx.ERR, "portico: ", perr)
      errors[#errors + 1] = perr
    else
      entries["b:" .. name] = cjson.encode(policy)
    end
  end
  local version, serr = store_set(endpoint_set, state, entries)
  if not version then return respond(507, { error = serr }) end
  state:set("endpoints_hash", ngx.var.http_x_portico_hash or "")
  return respond(200, { upstreams = count, version = version, errors = #errors > 0 and errors or nil })
end

local function post_certificates(state, body)
  local data, err = cjson.decode(body)
  if not data then return respond(400, { error = "invalid JSON: " .. tostring(err) }) end
  if not is_object(data) or not is_object(data.sniCertificates or {}) or not is_object(data.certificates or {}) then
    return respond(400, { error = "body must be { sniCertificates: {...}, certificates: {...} }" })
  end
  local entries, errors = {}, {}
  local ncert, nsni = 0, 0
  for id, pair in pairs(data.certificates or {}) do
    if type(pair) ~= "table" or type(pair.certificate) ~= "string" or type(pair.key) ~= "string" then
      errors[#errors + 1] = "certificate " .. id .. ": needs string fields certificate and key"
    else
      -- Parse now so a bad PEM is reported to the agent instead of failing handshakes later.
      local cert, perr = parse_pair(ssl, pair.certificate, pair.key)
      if not cert then
        errors[#errors + 1] = "certificate " .. id .. ": " .. perr
      else
        entries["c:" .. id] = pair.certificate .. "\0" .. pair.key
        ncert = ncert + 1
      end
    end
  end
  for sni, id in pairs(data.sniCertificates or {}) do
    if type(id) ~= "string" or not entries["c:" .. id] then
      errors[#errors + 1] = "sni " .. sni .. ": unknown or unusable certificate id " .. tostring(id)
    else
      entries["s:" .. lower(sni)] = id
      nsni = nsni + 1
    end
  end
  local version, serr = store_set(certificate_set, state, entries)
  if not version then return respond(507, { error = serr }) end
  state:set("certificates_hash", ngx.var.http_x_portico_hash or "")
  -- cjson writes an empty table as {}: leave errors out when there are none.
  return respond(200, { certificates = ncert, sniNames = nsni, version = version, errors = #errors > 0 and errors or nil })
end

local HOST = "^[a-z0-9][a-z0-9.-]*$" -- and not ending in "." or "-" (checked beside it)
local UPSTREAM = "^[a-z0-9][a-z0-9.-]*$"

local function valid_targets(targets)
  if not is_object(targets) then return false end
  for p, t in pairs(targets) do
    if type(p) ~= "string" or sub(p, 1, 1) ~= "/" or not is_object(t) then return false end
    if t.upstream ~= nil and not (type(t.upstream) == "string" and find(t.upstream, UPSTREAM)) then return false end
    if t.sslRedirect ~= nil and t.sslRedirect ~= true then return false end
  end
  return true
end

local function post_routes(state, body)
  local data, err = cjson.decode(body)
  if not data then return respond(400, { error = "invalid JSON: " .. tostring(err) }) end
  if not is_object(data) or not is_object(data.routes or {}) then
    return respond(400, { error = "body must be { routes: {host: {https, exact, prefix}} }" })
  end
  local entries, count, served_list = {}, 0, {}
  for host, r in pairs(data.routes or {}) do
    if #host > 253 or not find(host, HOST) or find(host, "[.-]$") or not is_object(r) or type(r.https) ~= "boolean" or not valid_targets(r.exact) or not valid_targets(r.prefix)
      or (r.served ~= nil and r.served ~= true) then
      return respond(400, { error = "route " .. tostring(host) .. ": needs a lowercase host, https (boolean), exact and prefix ({path: {upstream?, sslRedirect?}}), served (true) or none" })
    end
    entries["r:" .. host] = cjson.encode({ https = r.https, exact = r.exact, prefix = r.prefix })
    if r.served then served_list[#served_list + 1] = host end
    count = count + 1
  end
  -- cjson writes an empty table as {}: no served host, no list.
  if #served_list > 0 then entries["R:"] = cjson.encode(served_list) end
  local version, serr = store_set(route_set, state, entries)
  if not version then return respond(507, { error = serr }) end
  return respond(200, { routes = count, version = version })
end

local function get_state(state)
  local upstreams = {}
  running_keys(endpoint_set, "u:", function(name, raw)
    local n = 0
    if raw then for _ in gmatch(raw, "[^,]+") do n = n + 1 end end
    upstreams[name] = n
  end)
  local certs = running_keys(certificate_set)
  local ncert, nsni = certs["c:"], certs["s:"]
  return respond(200, {
    generation = _M.generation,
    pid = ngx.worker.pid(),
    endpointsHash = state:get("endpoints_hash") or "",
    certificatesHash = state:get("certificates_hash") or "",
    endpointsVersion = state:get("endpoints_version") or 0,
    certificatesVersion = state:get("certificates_version") or 0,
    upstreams = upstreams,
    certificates = ncert,
    sniNames = nsni,
  })
end

function _M.health()
  ngx.header["Content-Type"] = "text/plain"
  ngx.say("ok")
  return ngx.exit(200)
end

function _M.control()
  local _, _, state = dicts()
  local uri, method = ngx.var.uri, ngx.req.get_method()
  if uri == "/healthz" or uri == "/portico/healthz" then return _M.health() end
  if uri == "/portico/state" and method == "GET" then return get_state(state) end
  if method == "POST" and (uri == "/portico/endpoints" or uri == "/portico/certificates" or uri == "/portico/routes") then
    local body, err = read_body()
    if not body then return respond(400, { error = "cannot read body: " .. tostring(err or "empty") }) end
    if uri == "/portico/endpoints" then return post_endpoints(state, body) end
    if uri == "/portico/routes" then return post_routes(state, body) end
    return post_certificates(state, body)
  end
  return respond(404, { error = "unknown control endpoint " .. method .. " " .. uri })
end

return _M
