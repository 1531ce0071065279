// The ONLY place where untrusted strings become nginx configuration tokens. Every value the renderer
// writes is a `Token`, and a Token can only be made here: either from a constant written in our own
// code (`lit`) or by a validator that checks the input against a strict grammar and then quotes it.
// Validators return an error message naming the field and the reason; callers turn that into a
// Diagnostic (core) or an admission denial (admission) and drop the offending part.

import { isIP } from "node:net";
import { checkRegex } from "./regex-grammar.js";

declare const tokenBrand: unique symbol;
/** A string that is safe to write as one nginx directive argument, exactly as it is. */
export type Token = string & { readonly [tokenBrand]: true };

export type Result<T> = { ok: true; value: T } | { ok: false; error: string };
const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(error: string): Result<T> => ({ ok: false, error });

/** Printable for messages: quoted, truncated, control characters made visible. */
export function show(input: string): string {
  const cut = input.length > 80 ? input.slice(0, 80) + "…" : input;
  return JSON.stringify(cut);
}

// A literal of our own code: must already be a single bare token. Anything else is a programming
// error, so it throws (never reached by user input: user input never goes through `lit`).
const LITERAL = /^[A-Za-z0-9_.:/$*=~^@!+,%()\[\]|?-]+$/;
const literals = new Map<string, Token>();
export function lit(constant: string): Token {
  let t = literals.get(constant);
  if (t === undefined) {
    if (!LITERAL.test(constant)) throw new Error(`nginx-values: ${show(constant)} is not a bare token`);
    t = constant as Token;
    if (literals.size < 10000) literals.set(constant, t);
  }
  return t;
}

/** A trusted constant that needs quoting (spaces, braces...), e.g. a log_format line written in code. */
export function litQuoted(constant: string): Token {
  if (/[\x00-\x1f\x7f"\\]/.test(constant)) throw new Error(`nginx-values: ${show(constant)} cannot be quoted`);
  return `"${constant}"` as Token;
}

/** A trusted constant in single quotes (a JSON log_format written in code). */
export function litSingleQuoted(constant: string): Token {
  if (/[\x00-\x1f\x7f'\\]/.test(constant)) throw new Error(`nginx-values: ${show(constant)} cannot be single-quoted`);
  return `'${constant}'` as Token;
}

// Quote an already validated value. Validators exclude `"`, `\`, control characters and (where
// variables would be expanded) `$`, so quoting is only a wrapper; the check here is the last guard.
function quote(value: string): Token {
  if (/[\x00-\x1f\x7f"\\]/.test(value)) throw new Error(`nginx-values: refusing to quote ${show(value)}`);
  return `"${value}"` as Token;
}

/** A Lua string literal (in the configure call of init_by_lua): no control character, quote or
 * backslash, so Lua reads every character literally, as nginx reads a quoted value. */
export function luaStringToken(text: string): Token {
  return quote(text);
}

export function int(n: number): Token {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`nginx-values: ${n} is not a non-negative integer`);
  return String(n) as Token;
}

// ---------------------------------------------------------------------------------------------
// Hosts

const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Validates an Ingress host (RFC 1123, optional leading `*.` label). Returns an error or undefined. */
export function validateHost(host: string, field = "host"): string | undefined {
  if (typeof host !== "string" || host.length === 0) return `${field}: must not be empty`;
  if (host.length > 253) return `${field}: ${show(host)} is longer than 253 characters`;
  const lower = host.toLowerCase();
  if (/^[0-9.]+$/.test(lower) || lower.includes(":")) return `${field}: ${show(host)} must be a DNS name, not an IP address or host:port`;
  const labels = lower.split(".");
  const start = labels[0] === "*" ? 1 : 0;
  if (start === 1 && labels.length < 3) return `${field}: wildcard ${show(host)} needs at least two labels after "*."`;
  for (let i = start; i < labels.length; i++) {
    if (!LABEL.test(labels[i]!)) {
      return `${field}: ${show(host)} is not a valid DNS name (label ${show(labels[i]!)}: lowercase letters, digits and '-' only, at most 63 characters, no '-' at either end)`;
    }
  }
  return undefined;
}

/** Normalises a valid host: lowercase, no trailing dot. */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, "");
}

/** server_name token for a validated exact host, or a one-label regex for `*.foo.com`. */
/** A `map $ssl_preread_server_name` key for a validated host: strings match case-insensitively;
 * a wildcard matches exactly one label, as in server names. */
export function sniMapKeyToken(host: string): Token {
  const err = validateHost(host);
  if (err) throw new Error(`nginx-values: ${err}`);
  if (host.startsWith("*.")) return quote(`~*^[^.]+[.]${host.slice(2).split(".").join("[.]")}$`);
  return quote(host);
}

export function serverNameToken(host: string): Token {
  const err = validateHost(host);
  if (err) throw new Error(`nginx-values: ${err}`);
  if (host.startsWith("*.")) {
    // nginx's own `*.foo.com` matches any depth; the Ingress API says exactly one label.
    const rest = host
      .slice(2)
      .split(".")
      .map((l) => l.replace(/-/g, "-"))
      .join("[.]");
    return quote(`~^[^.]+[.]${rest}$`);
  }
  return quote(host);
}

// ---------------------------------------------------------------------------------------------
// Paths

export const MAX_PATH_LENGTH = 1024;
// RFC 3986 pchar minus what nginx or the shell would treat specially: no quotes, `$`, `;`, `{}`,
// `#`, `\`, spaces, control or non-ASCII characters. `%` only as a valid %XX escape.
const PLAIN_PATH = /^\/[A-Za-z0-9._~!*'()+,=:@&%\/-]*$/;
// An ImplementationSpecific path outside regex mode is a literal prefix, and ingress-nginx admits
// regex operators in it (matched literally, `/nginx(/|$)(.*)`): `$ | ^ [ ]` too, which are literal
// in a quoted nginx location (no variables there) and escaped wherever a path becomes a regex.
const LITERAL_PATH = /^\/[A-Za-z0-9._~!*'()+,=:@&%\/$|^[\]-]*$/;

/** Validates an Exact/Prefix path, or (literal) an ImplementationSpecific path used as a prefix. */
export function validatePlainPath(path: string, field = "path", literal = false): string | undefined {
  if (typeof path !== "string" || !path.startsWith("/")) return `${field}: ${show(String(path))} must be an absolute path starting with '/'`;
  if (path.length > MAX_PATH_LENGTH) return `${field}: longer than ${MAX_PATH_LENGTH} characters`;
  if (!(literal ? LITERAL_PATH : PLAIN_PATH).test(path)) {
    return `${field}: ${show(path)} contains a character that is not allowed (allowed: letters, digits and / . _ ~ ! * ' ( ) + , = : @ & % -${literal ? ", and $ | ^ [ ] in an ImplementationSpecific path" : ""})`;
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return `${field}: ${show(path)} has a '%' that is not a %XX escape`;
  if (/%2f/i.test(path)) return `${field}: ${show(path)} must not contain an encoded '/' (%2F)`;
  if (/\/\//.test(path)) return `${field}: ${show(path)} must not contain '//'`;
  if (/\/\.\.?(\/|$)/.test(path)) return `${field}: ${show(path)} must not contain '.' or '..' segments`;
  return undefined;
}

/** Location token for a validated plain path (used with `=` and `^~`). */
export function pathToken(path: string): Token {
  const err = validatePlainPath(path, "path", true);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(path);
}

// Regexes: the grammar of regex-grammar.ts (same meaning in PCRE2 and JavaScript, bounded
// backtracking), checked by parsing; `new RegExp` is only a second guard.
export function validateRegexPath(regex: string, field = "path"): string | undefined {
  if (typeof regex !== "string" || !regex.startsWith("/")) return `${field}: regex ${show(String(regex))} must start with '/'`;
  if (regex.length > MAX_PATH_LENGTH) return `${field}: longer than ${MAX_PATH_LENGTH} characters`;
  const why = checkRegex(regex);
  if (why) return `${field}: regex ${show(regex)}: ${why}`;
  try {
    new RegExp(regex);
  } catch (e) {
    return `${field}: regex ${show(regex)} does not compile: ${(e as Error).message}`;
  }
  return undefined;
}

// Inside nginx's double quotes a backslash before anything but `"`, `'`, `\`, t, r, n is kept as
// is, so the grammar's escapes (`\.`, `\d`, ...) reach PCRE unchanged; nothing else may carry one.
function quoteRegex(value: string): Token {
  if (/[\x00-\x1f\x7f"]/.test(value) || /\\(?![.\/\-?+*()[\]{}^$|dDwW])/.test(value)) throw new Error(`nginx-values: refusing to quote regex ${show(value)}`);
  return `"${value}"` as Token;
}

/** Location token for a validated regex path; the caller adds the `~*` modifier. */
export function regexToken(regex: string): Token {
  const err = validateRegexPath(regex);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quoteRegex(`^${regex}`);
}

/** `rewrite` pattern: case-insensitive, anchored, as ingress-nginx does. */
export function rewritePatternToken(regex: string): Token {
  const err = validateRegexPath(regex);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quoteRegex(`(?i)^${regex}`);
}

// ---------------------------------------------------------------------------------------------
// Sizes, durations, codes

export type Size = Token;
/** nginx size: digits with an optional k/m/g unit (0 = unlimited for client_max_body_size). */
export function parseSize(input: string, field = "size"): Result<Size> {
  const s = String(input).trim();
  if (!/^[0-9]{1,9}[kKmMgG]?$/.test(s)) return fail(`${field}: ${show(s)} is not a size (digits with optional k, m or g, e.g. 8m)`);
  return ok(s.toLowerCase() as Size);
}

/** Bytes of a parsed size (k, m, g are powers of 1024, as nginx reads them). */
export function sizeBytes(size: Size): number {
  const m = /^([0-9]+)([kmg]?)$/.exec(size);
  if (!m) throw new Error(`nginx-values: bad size ${size}`);
  return Number(m[1]) * { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2] as "" | "k" | "m" | "g"];
}

/**
 * A buffer size (size_t in nginx): digits with an optional k or m unit (nginx reads no g here),
 * from 1k to `maxBytes`: a buffer is allocated per request, so its size is bounded.
 */
export function parseBufferSize(input: string, field: string, maxBytes: number): Result<Size> {
  const s = String(input).trim().toLowerCase();
  const m = /^([0-9]{1,9})([km]?)$/.exec(s);
  if (!m) return fail(`${field}: ${show(input)} is not a buffer size (digits with optional k or m, e.g. 16k)`);
  const bytes = Number(m[1]) * (m[2] === "m" ? 1024 * 1024 : m[2] === "k" ? 1024 : 1);
  const most = maxBytes % (1024 * 1024) === 0 ? `${maxBytes / 1024 / 1024}m` : `${maxBytes / 1024}k`;
  if (bytes < 1024 || bytes > maxBytes) return fail(`${field}: ${show(input)} is outside 1k..${most}`);
  return ok(s as Size);
}

const TIME_UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * Whole seconds, within [min, max]: "30", or nginx's time syntax with units s, m, h, d ("90s",
 * "3h", "1h30m"), each unit at most once, largest first.
 */
export function parseSeconds(input: string, field: string, min = 1, max = 3600): Result<number> {
  const s = String(input).trim();
  const m = /^([0-9]{1,7})$|^(?:([0-9]{1,7})d)?(?:([0-9]{1,7})h)?(?:([0-9]{1,7})m)?(?:([0-9]{1,7})s)?$/.exec(s);
  if (!m || s === "") return fail(`${field}: ${show(input)} is not a number of seconds (or an nginx time such as 90s, 5m, 3h)`);
  const n =
    m[1] !== undefined
      ? Number(m[1])
      : [m[2], m[3], m[4], m[5]].reduce((sum, v, i) => sum + (v === undefined ? 0 : Number(v) * TIME_UNIT_SECONDS["dhms"[i]!]!), 0);
  if (n < min || n > max) return fail(`${field}: ${m[1] !== undefined ? n : `${show(s)} (${n} s)`} is outside ${min}..${max} seconds`);
  return ok(n);
}

export function seconds(n: number): Token {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`nginx-values: bad duration ${n}`);
  return `${n}s` as Token;
}

export function parseBool(input: string, field: string): Result<boolean> {
  const s = String(input).trim().toLowerCase();
  if (s === "true") return ok(true);
  if (s === "false") return ok(false);
  return fail(`${field}: ${show(input)} must be "true" or "false"`);
}

export function parseIntIn(input: string, field: string, min: number, max: number): Result<number> {
  const s = String(input).trim();
  if (!/^[0-9]{1,9}$/.test(s)) return fail(`${field}: ${show(input)} is not an integer`);
  const n = Number(s);
  if (n < min || n > max) return fail(`${field}: ${n} is outside ${min}..${max}`);
  return ok(n);
}

// ---------------------------------------------------------------------------------------------
// URLs (redirect targets) and rewrite replacements

// Absolute http(s) URL or absolute path. No `$` (nginx would expand variables), no quotes,
// whitespace, backslashes, braces or non-ASCII; percent-encode those instead.
const URL_RE = /^(https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?)?(\/[A-Za-z0-9._~!*'()+,=:@&%\/?-]*)?$/i;
export function validateRedirectUrl(url: string, field: string): string | undefined {
  if (typeof url !== "string" || url.length === 0) return `${field}: must not be empty`;
  if (url.length > 2048) return `${field}: longer than 2048 characters`;
  if (!URL_RE.test(url) || (!url.startsWith("/") && !/^https?:\/\//i.test(url))) {
    return `${field}: ${show(url)} must be an http(s) URL or an absolute path without quotes, spaces, '$', '#', ';', braces or backslashes`;
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(url)) return `${field}: ${show(url)} has a '%' that is not a %XX escape`;
  if (url.startsWith("/") && url.startsWith("//")) return `${field}: ${show(url)} must not start with '//'`;
  return undefined;
}

export function redirectUrlToken(url: string): Token {
  const err = validateRedirectUrl(url, "url");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(url);
}

/** A rewrite-target: absolute path (or http(s) URL) where `$1`..`$9` refer to capture groups. */
export function validateRewriteTarget(target: string, field: string): string | undefined {
  if (typeof target !== "string" || target.length === 0) return `${field}: must not be empty`;
  const neutral = target.replace(/\$[1-9](?![0-9])/g, "x");
  if (neutral.includes("$")) return `${field}: ${show(target)}: '$' is only allowed as a capture group reference $1..$9`;
  if (!target.startsWith("/") && !target.startsWith("$") && !/^https?:\/\//i.test(target)) {
    return `${field}: ${show(target)} must start with '/', a capture group or http(s)://`;
  }
  const err = validateRedirectUrl(target.startsWith("$") ? `/${neutral}` : neutral, field);
  if (err) return `${field}: ${show(target)} contains a character that is not allowed (quotes, spaces, '#', ';', braces, backslashes, non-ASCII)`;
  return undefined;
}

export function rewriteTargetToken(target: string): Token {
  const err = validateRewriteTarget(target, "rewrite-target");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(target);
}

// ---------------------------------------------------------------------------------------------
// Names and addresses

/** Upstream name: `<namespace>-<service>-<port>` restricted to [a-z0-9-.]. */
export function validateUpstreamName(name: string): string | undefined {
  if (!/^[a-z0-9][a-z0-9.-]{0,252}$/.test(name)) return `upstream name ${show(name)} must match [a-z0-9][a-z0-9.-]*`;
  return undefined;
}

export function upstreamNameToken(name: string): Token {
  const err = validateUpstreamName(name);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(name);
}

/** A bare upstream block name (stream upstreams are named in code, e.g. tcp-8080). */
export function bareNameToken(name: string): Token {
  if (!/^[a-z0-9_][a-z0-9_.-]{0,127}$/.test(name)) throw new Error(`nginx-values: bad name ${show(name)}`);
  return name as Token;
}

export function validatePort(n: number, field = "port"): string | undefined {
  if (!Number.isInteger(n) || n < 1 || n > 65535) return `${field}: ${n} is not a port (1..65535)`;
  return undefined;
}

/** IPv4 or IPv6 literal (node's parser, which agrees with nginx's on plain literals; no zone ids). */
export function isIpAddress(s: string): "IPv4" | "IPv6" | undefined {
  const v = isIP(s);
  return v === 4 ? "IPv4" : v === 6 && !s.includes("%") ? "IPv6" : undefined;
}

/** An address or address/prefix that set_real_ip_from accepts. */
export function validCidr(cidr: string): boolean {
  const [addr, bits, extra] = cidr.split("/");
  const kind = isIpAddress(addr ?? "");
  const max = kind === "IPv6" ? 128 : 32;
  return !!kind && extra === undefined && (bits === undefined || (/^[0-9]{1,3}$/.test(bits) && Number(bits) <= max));
}

/** `listen` address:port; listenAddress is "*", an IPv4 or an IPv6 literal. */
export function listenToken(address: string, port: number): Token {
  if (validatePort(port)) throw new Error(`nginx-values: bad port ${port}`);
  if (address === "*") return `*:${port}` as Token;
  const kind = isIpAddress(address);
  if (kind === "IPv4") return `${address}:${port}` as Token;
  if (kind === "IPv6") return `[${address}]:${port}` as Token;
  throw new Error(`nginx-values: bad listen address ${show(address)}`);
}

/** `server addr:port` inside a stream upstream. */
export function endpointToken(address: string, port: number): Token {
  const kind = isIpAddress(address);
  if (!kind || validatePort(port)) throw new Error(`nginx-values: bad endpoint ${show(address)}:${port}`);
  return (kind === "IPv6" ? `[${address}]:${port}` : `${address}:${port}`) as Token;
}

/** CIDR for set_real_ip_from (validated by the schema and again by build()). */
export function cidrToken(cidr: string): Token {
  if (!validCidr(cidr)) throw new Error(`nginx-values: bad CIDR ${show(cidr)}`);
  return cidr as Token;
}

/** Absolute file path of a module (RenderOptions, trusted but still checked). */
export function filePathToken(path: string): Token {
  if (!/^\/[A-Za-z0-9._\/-]+$/.test(path)) throw new Error(`nginx-values: bad file path ${show(path)}`);
  return path as Token;
}

/** HSTS header value built from numbers and flags. */
export function hstsToken(maxAge: number, includeSubdomains: boolean, preload: boolean): Token {
  let v = `max-age=${Math.trunc(maxAge)}`;
  if (includeSubdomains) v += "; includeSubDomains";
  if (preload) v += "; preload";
  return quote(v);
}

/** A fixed body text of our own (404 page); quoted, `$` excluded so nothing expands. */
export function bodyToken(text: string): Token {
  if (text.includes("$")) throw new Error("nginx-values: body text must not contain '$'");
  return quote(text);
}

// ---------------------------------------------------------------------------------------------
// Proxy and backend tuning (annotation values)

/** nginx `on` / `off` (ingress-nginx writes these values; true/false are accepted too). */
export function parseOnOff(input: string, field: string): Result<boolean> {
  const s = String(input).trim().toLowerCase();
  if (s === "on" || s === "true") return ok(true);
  if (s === "off" || s === "false") return ok(false);
  return fail(`${field}: ${show(input)} must be "on" or "off"`);
}

export function onOff(v: boolean): Token {
  return (v ? "on" : "off") as Token;
}

const NEXT_UPSTREAM = new Set([
  "error",
  "timeout",
  "invalid_header",
  "http_500",
  "http_502",
  "http_503",
  "http_504",
  "http_403",
  "http_404",
  "http_429",
  "non_idempotent",
  "off",
]);
/** proxy_next_upstream conditions: space-separated words from nginx's list; `off` alone. */
export function parseNextUpstream(input: string, field: string): Result<Token[]> {
  const words = String(input).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return fail(`${field}: must not be empty`);
  for (const w of words) {
    if (!NEXT_UPSTREAM.has(w)) return fail(`${field}: ${show(w)} is not one of ${[...NEXT_UPSTREAM].join(", ")}`);
  }
  if (words.includes("off") && words.length > 1) return fail(`${field}: "off" cannot be combined with other conditions`);
  return ok([...new Set(words)] as Token[]);
}

/** A rate (`10r/s`, `10r/m`) for limit_req_zone. */
export function rateToken(n: number, per: "s" | "m"): Token {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`nginx-values: bad rate ${n}`);
  return `rate=${n}r/${per}` as Token;
}

/** `key=value` argument of a directive whose value is a number of our own making (burst=, zone=...). */
export function keyInt(key: "burst" | "delay", n: number): Token {
  return `${key}=${int(n)}` as Token;
}

/** Zone and variable names derived from an id of hex digits (a hash of the owning object). */
export function derivedName(prefix: "portico_limit" | "portico_allow", id: string, suffix = ""): Token {
  if (!/^[0-9a-f]{8,32}$/.test(id) || !/^[a-z_]*$/.test(suffix)) throw new Error(`nginx-values: bad derived name ${show(id)}`);
  return `${prefix}_${id}${suffix}` as Token;
}
/** `buffer=` and `flush=` of access_log; none when the buffer is 0 (a write per line). */
export function accessLogBufferArgs(kib: number, flushSeconds: number): Token[] {
  if (!Number.isSafeInteger(kib) || kib < 0 || kib > 1024) throw new Error(`nginx-values: bad access log buffer ${kib} KiB`);
  if (kib === 0) return [];
  return [`buffer=${kib}k` as Token, `flush=${seconds(flushSeconds)}` as Token];
}

export const variableOf = (name: Token): Token => `$${name}` as Token;
export const zoneArg = (name: Token, size: "5m" | "10m"): Token => `zone=${name}:${size}` as Token;
export const zoneRef = (name: Token): Token => `zone=${name}` as Token;

// Access control and CORS (auth, allow/deny lists, external auth URLs)

/** A CIDR or a bare address as an allow/deny list entry (IPv4 or IPv6). */
export function validateCidr(input: string, field: string): string | undefined {
  const [addr, bits, extra] = input.split("/");
  const kind = isIpAddress(addr ?? "");
  const max = kind === "IPv6" ? 128 : 32;
  if (!kind || extra !== undefined || (bits !== undefined && !(/^[0-9]{1,3}$/.test(bits) && Number(bits) <= max))) {
    return `${field}: ${show(input)} is not an IP address or CIDR`;
  }
  return undefined;
}

/** Comma-separated CIDR list (spaces allowed around entries). An empty list is refused: on an
 * access list it is more likely a template left empty than "no restriction". */
export function parseCidrList(input: string, field: string): Result<string[]> {
  const items = String(input)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return fail(`${field}: must list at least one address or CIDR`);
  if (items.length > 1000) return fail(`${field}: more than 1000 entries`);
  for (const c of items) {
    const err = validateCidr(c, field);
    if (err) return fail(err);
  }
  return ok(items);
}

// ---------------------------------------------------------------------------------------------
// Headers

/** auth_basic realm: printable ASCII without quotes, backslashes or `$` (no variable expansion). */
export function validateRealm(realm: string, field: string): string | undefined {
  if (realm.length > 256) return `${field}: longer than 256 characters`;
  if (!/^[\x20-\x7e]*$/.test(realm) || /["\\$]/.test(realm)) return `${field}: ${show(realm)} may hold printable ASCII except '"', '\\' and '$'`;
  return undefined;
}

export function realmToken(realm: string): Token {
  const err = validateRealm(realm, "realm");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(realm);
}

/** Name of a file Portico writes beside nginx.conf (files/<name>), relative to the config dir. */
export function configFileToken(name: string): Token {
  if (!/^[a-z0-9][a-z0-9.-]{0,200}$/.test(name)) throw new Error(`nginx-values: bad config file name ${show(name)}`);
  return `files/${name}` as Token;
}

/** HTTP header name (RFC 7230 token, letters, digits, '-' and '_'). */
export function validateHeaderName(name: string, field: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(name)) return `${field}: ${show(name)} is not a header name (letters, digits, '-' and '_')`;
  return undefined;
}

export function headerNameToken(name: string): Token {
  const err = validateHeaderName(name, "header");
  if (err) throw new Error(`nginx-values: ${err}`);
  return name as Token;
}

/** `$http_<name>` of a validated header name. */
export function requestHeaderVariable(name: string): Token {
  headerNameToken(name);
  return `$http_${name.toLowerCase().replace(/-/g, "_")}` as Token;
}

/** Runtime variables a request-header value may use; written as `${name}` so nothing runs on. */
export const HEADER_VARIABLES = ["host", "remote_addr", "request_uri", "uri", "scheme", "request_id", "server_port", "server_name", "http_host"] as const;
const VAR_REF = /\$(?:\{([a-z_]+)\}|([a-z_]+))/g;

/** A header value: printable ASCII, no quotes or backslashes; `$` only before an allowed variable. */
export function validateHeaderValue(value: string, field: string, variables: readonly string[] = []): string | undefined {
  if (value.length > 4096) return `${field}: header value longer than 4096 characters`;
  if (!/^[\x20-\x7e]*$/.test(value)) return `${field}: ${show(value)}: header values must be printable ASCII (no line breaks or control characters)`;
  if (/["\\]/.test(value)) return `${field}: ${show(value)}: header values must not contain '"' or '\\'`;
  const rest = value.replace(VAR_REF, (m, a: string | undefined, b: string | undefined) => (variables.includes((a ?? b)!) ? "" : m));
  if (rest.includes("$")) {
    return variables.length
      ? `${field}: ${show(value)}: '$' is only allowed before one of the variables ${variables.map((v) => `$${v}`).join(", ")}`
      : `${field}: ${show(value)}: '$' is not allowed (nginx would expand it)`;
  }
  return undefined;
}

export function headerValueToken(value: string, variables: readonly string[] = []): Token {
  const err = validateHeaderValue(value, "header", variables);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(value.replace(VAR_REF, (_m, a: string | undefined, b: string | undefined) => `\${${(a ?? b)!}}`));
}

// ---------------------------------------------------------------------------------------------
// Host names with ports, redirects of proxied responses, cookies

/** `host` or `host:port` (DNS name or IPv4), e.g. an upstream-vhost after template expansion. */
export function validateHostPort(value: string, field: string): string | undefined {
  const m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(value);
  if (!m) return `${field}: ${show(value)} must be a host name with an optional :port`;
  if (m[2] !== undefined && validatePort(Number(m[2]))) return `${field}: ${show(value)}: port out of range`;
  if (isIpAddress(m[1]!) === "IPv4") return undefined;
  const err = validateHost(m[1]!, field);
  return err && m[1]!.startsWith("*") ? `${field}: ${show(value)} must not be a wildcard` : err;
}

export function hostPortToken(value: string): Token {
  const err = validateHostPort(value, "host");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(value);
}

/** proxy_redirect argument: `default`, `off`, or an http(s) URL / path; `to` may use $scheme and $host. */
export function validateProxyRedirect(value: string, field: string, allowVariables: boolean): string | undefined {
  const neutral = allowVariables ? value.replace(/^\$scheme:\/\//, "http://").replace(/\$(?:\{host\}|host(?![a-z_]))/g, "h") : value;
  return validateRedirectUrl(neutral, field);
}

export function proxyRedirectToken(value: string, allowVariables: boolean): Token {
  const err = validateProxyRedirect(value, "proxy-redirect", allowVariables);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(allowVariables ? value.replace(/\$host(?![a-z_])/g, "${host}") : value);
}

/** Cookie domain (`example.com`, `.example.com`) for proxy_cookie_domain. */
export function validateCookieDomain(value: string, field: string): string | undefined {
  const host = value.startsWith(".") ? value.slice(1) : value;
  if (host === "localhost") return undefined;
  return validateHost(host, field) && `${field}: ${show(value)} is not a cookie domain`;
}

export function cookieDomainToken(value: string): Token {
  const err = validateCookieDomain(value, "cookie domain");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(value.toLowerCase());
}

export function cookiePathToken(value: string): Token {
  const err = value === "/" ? undefined : validatePlainPath(value, "cookie path");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(value);
}

// ---------------------------------------------------------------------------------------------
// Fixed responses

/** An HTTP status code in a range. */
export function statusToken(n: number, min = 200, max = 599): Token {
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`nginx-values: bad status ${n}`);
  return String(n) as Token;
}

const MIME = /^[a-z0-9][a-z0-9.+-]{0,63}\/[a-z0-9][a-z0-9.+-]{0,127}(; ?charset=[A-Za-z0-9_-]{1,32})?$/i;
export function validateContentType(value: string, field: string): string | undefined {
  return MIME.test(value) ? undefined : `${field}: ${show(value)} is not a media type (e.g. text/plain or application/json; charset=utf-8)`;
}

export function contentTypeToken(value: string): Token {
  const err = validateContentType(value, "content type");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(value);
}

/** A response body written by a user: printable ASCII, tabs and line breaks; no `$` (nginx would expand it). */
export function validateBodyText(value: string, field: string): string | undefined {
  if (value.length > 16384) return `${field}: body longer than 16384 characters`;
  if (!/^[\x20-\x7e\n\t]*$/.test(value)) return `${field}: body must be printable ASCII (line breaks and tabs allowed)`;
  if (value.includes("$")) return `${field}: body must not contain '$' (nginx would expand it)`;
  return undefined;
}

/** The body quoted with nginx's own escapes (\\ \" \n \t), so nothing in it can end the string. */
export function bodyTextToken(value: string): Token {
  const err = validateBodyText(value, "body");
  if (err) throw new Error(`nginx-values: ${err}`);
  const escaped = value.replace(/[\\"\n\t]/g, (c) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" })[c]!);
  return `"${escaped}"` as Token;
}

/** `return <code> "<base>$request_uri"`: a host redirect that keeps the request URI. */
export function hostRedirectToken(base: string): Token {
  const err = validateRedirectUrl(base, "redirect") ?? (/^https?:\/\/[^/]+$/i.test(base) ? undefined : "redirect: must be scheme://host[:port] without a path");
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(`${base}$request_uri`);
}

/** `$scheme://<host>$request_uri` for the www redirect of a validated host. */
export function wwwRedirectToken(host: string): Token {
  const err = validateHost(host);
  if (err || host.startsWith("*")) throw new Error(`nginx-values: bad redirect host ${show(host)}`);
  return quote(`$scheme://${host}$request_uri`);
}

/** Largest timeout nginx takes in seconds (its millisecond timers are 32-bit): ingress-nginx sets no
 * lower limit of its own, so neither does Portico. */
export const MAX_TIMEOUT_SECONDS = 2147483;

/** `(<$var>` `=` `""` `)`: the argument list of `if ($http_x = "")` for a validated header name. */
export function ifHeaderEmptyArgs(name: string): Token[] {
  return [`(${requestHeaderVariable(name)}` as Token, "=" as Token, '""' as Token, ")" as Token];
}

/** `($uri ~ "^regex")` / `~*`: the argument list of a server-level `if` for a validated regex path. */
export function ifUriMatchesArgs(regex: string, caseInsensitive: boolean): Token[] {
  return ["($uri" as Token, (caseInsensitive ? "~*" : "~") as Token, regexToken(regex), ")" as Token];
}

/** Named location of custom-http-errors: `@portico_error_<code>` or `@portico_error_<upstream>_<code>`. */
export function errorLocationName(upstream: string | undefined, code: number): Token {
  if (upstream !== undefined && validateUpstreamName(upstream)) throw new Error(`nginx-values: bad upstream ${show(upstream)}`);
  return `@portico_error_${upstream === undefined ? "" : `${upstream}_`}${statusToken(code, 400, 599)}` as Token;
}

/** A Kubernetes name (namespace, Ingress, Service, port) as a quoted value. */
export function objectNameToken(name: string): Token {
  if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(name)) throw new Error(`nginx-values: bad object name ${show(name)}`);
  return quote(name);
}

/** Kilobytes as an nginx size (`128k`). */
export function kilobytes(n: number): Token {
  return `${int(n)}k` as Token;
}

/** An OpenSSL cipher list (already validated by its annotation; checked again). */
export function cipherListToken(value: string): Token {
  if (!/^[A-Za-z0-9!+:@_.=-]{1,512}$/.test(value)) throw new Error(`nginx-values: bad cipher list ${show(value)}`);
  return quote(value);
}

export function tlsProtocolToken(p: string): Token {
  if (p !== "TLSv1.2" && p !== "TLSv1.3") throw new Error(`nginx-values: bad TLS protocol ${show(p)}`);
  return p as Token;
}

/** `$http_<name>` / `$upstream_http_<name>` variable for a validated header name. */
export function headerVariableToken(prefix: "http" | "upstream_http" | "sent_http", name: string): Token {
  const err = validateHeaderName(name, "header");
  if (err) throw new Error(`nginx-values: ${err}`);
  return `$${prefix}_${name.toLowerCase().replace(/-/g, "_")}` as Token;
}

// The nginx variables an auth-url, auth-signin or auth-request-redirect may use (ingress-nginx
// allows any; Portico allows those that carry request facts, never secrets of the data plane).
// Values are the variables actually written: ingress-nginx's own names map to Portico's.
const URL_VARIABLES: Record<string, string> = {
  host: "$host",
  http_host: "$http_host",
  best_http_host: "$portico_best_http_host",
  scheme: "$scheme",
  pass_access_scheme: "$scheme",
  request_uri: "$request_uri",
  escaped_request_uri: "$portico_escaped_request_uri",
  request_method: "$request_method",
  uri: "$uri",
  is_args: "$is_args",
  args: "$args",
  server_name: "$server_name",
  server_port: "$server_port",
  remote_addr: "$remote_addr",
  request_id: "$request_id",
};
const PREFIXED_VARIABLE = /^(arg|http|cookie)_[a-z0-9_]{1,64}$/;

/** Splits `$name` / `${name}` references; returns the variable names or an error. */
function urlVariables(url: string, field: string): Result<string[]> {
  const names: string[] = [];
  for (const m of url.matchAll(/\$(\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))?/g)) {
    const name = m[2] ?? m[3];
    if (!name) return fail(`${field}: ${show(url)}: '$' must start a variable name`);
    if (!(name in URL_VARIABLES) && !PREFIXED_VARIABLE.test(name)) {
      return fail(
        `${field}: ${show(url)}: variable $${name} is not allowed (allowed: ${Object.keys(URL_VARIABLES)
          .map((v) => `$${v}`)
          .join(", ")}, $arg_*, $http_*, $cookie_*)`,
      );
    }
    names.push(name);
  }
  return ok(names);
}

/**
 * An http(s) URL that may use the allowed nginx variables, in the host as well ("https://$host/
 * oauth2/auth"). No quotes, spaces, backslashes, braces (except `${var}`), ';' or '#'.
 */
export function validateUrlWithVariables(url: string, field: string, opts: { allowPath?: boolean } = {}): string | undefined {
  if (typeof url !== "string" || url.length === 0) return `${field}: must not be empty`;
  if (url.length > 2048) return `${field}: longer than 2048 characters`;
  const vars = urlVariables(url, field);
  if (!vars.ok) return vars.error;
  // $request_uri always starts with '/': it may follow the host directly (http://svc$request_uri).
  const neutral = url.replace(REQUEST_URI_VAR, "/").replace(/\$\{[A-Za-z0-9_]+\}|\$[A-Za-z0-9_]+/g, "x");
  if (!/^[A-Za-z0-9._~!*'()+,=:@&%\/?-]*$/.test(neutral)) {
    return `${field}: ${show(url)} contains a character that is not allowed (quotes, spaces, '#', ';', braces, backslashes, non-ASCII)`;
  }
  if (opts.allowPath && neutral.startsWith("/") && !neutral.startsWith("//")) return undefined;
  if (!/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?([\/?].*)?$/i.test(neutral)) return `${field}: ${show(url)} must be an http(s) URL`;
  return undefined;
}

const REQUEST_URI_VAR = /\$(\{request_uri\}|request_uri(?![A-Za-z0-9_]))/g;

/** Quoted URL with ingress-nginx variable names mapped to Portico's (validated first). */
export function urlWithVariablesToken(url: string, opts: { allowPath?: boolean } = {}): Token {
  const err = validateUrlWithVariables(url, "url", opts);
  if (err) throw new Error(`nginx-values: ${err}`);
  return quote(url.replace(/\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (_m, a?: string, b?: string) => URL_VARIABLES[(a ?? b)!] ?? `$${a ?? b}`));
}

/** Whether a validated URL uses $escaped_request_uri (the location then defines it). */
export function usesEscapedRequestUri(url: string): boolean {
  return /\$\{?escaped_request_uri\b/.test(url);
}

/** The host part of a validated auth URL, for the Host header of the subrequest. */
export function urlHostToken(url: string): Token {
  const err = validateUrlWithVariables(url, "url");
  if (err) throw new Error(`nginx-values: ${err}`);
  const host = /^https?:\/\/([^\/?]+)/i.exec(url.replace(REQUEST_URI_VAR, "/"))![1]!;
  return urlWithVariablesToken(`http://${host}`).replace(/^"http:\/\//, '"') as Token;
}

/** An HTTP method name (auth-method). */
export function methodToken(method: string): Token {
  if (!/^[A-Z]{1,16}$/.test(method)) throw new Error(`nginx-values: bad method ${show(method)}`);
  return method as Token;
}

/** Case-insensitive regex of allowed CORS origins, built from validated origins (`*.` = one label). */
export function corsOriginRegexToken(origins: string[]): Token {
  const parts = origins.map((o) => {
    if (!CORS_ORIGIN.test(o) || o === "*") throw new Error(`nginx-values: bad CORS origin ${show(o)}`);
    // Validated origins hold only [A-Za-z0-9:/.*-]: dots become [.], "*." one label.
    return o.replace(/\./g, "[.]").replace(/\*\[\.\]/g, "[A-Za-z0-9-]+[.]");
  });
  return quote(`^(${parts.join("|")})$`);
}
/** `scheme://[*.]host[:port]`, `null` or `*` (ingress-nginx's accepted origins). */
export const CORS_ORIGIN = /^([a-z]+:\/\/(\*\.)?[A-Za-z0-9\-.]+(:\d{1,5})?|\*|null)$/;

/** A comma-separated list of header names or methods, as one header value. */
export function validateTokenList(input: string, field: string, item: RegExp): Result<string> {
  const items = String(input)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) return fail(`${field}: must list at least one entry`);
  if (items.length > 100) return fail(`${field}: more than 100 entries`);
  for (const i of items) if (!item.test(i)) return fail(`${field}: ${show(i)} is not allowed here`);
  return ok(items.join(", "));
}

// ---------------------------------------------------------------------------------------------
// Client certificates (auth-tls-*)

export const VERIFY_CLIENT_MODES = ["on", "off", "optional", "optional_no_ca"] as const;
export type VerifyClientMode = (typeof VERIFY_CLIENT_MODES)[number];

export function verifyClientToken(mode: VerifyClientMode): Token {
  if (!VERIFY_CLIENT_MODES.includes(mode)) throw new Error(`nginx-values: bad ssl_verify_client mode ${show(String(mode))}`);
  return mode as Token;
}

/** auth-tls-match-cn: "CN=" then the rest of a regex of the project's grammar (regex-grammar.ts),
 * matched (unanchored, as ingress-nginx) against $ssl_client_s_dn ("CN=client,O=Org"). */
export function validateMatchCn(value: string, field: string): string | undefined {
  if (typeof value !== "string" || !value.startsWith("CN=")) return `${field}: ${show(String(value))} must start with "CN="`;
  if (value.length > MAX_PATH_LENGTH) return `${field}: longer than ${MAX_PATH_LENGTH} characters`;
  const why = checkRegex(value);
  if (why) return `${field}: regex ${show(value)}: ${why}`;
  try {
    new RegExp(value);
  } catch (e) {
    return `${field}: regex ${show(value)} does not compile: ${(e as Error).message}`;
  }
  return undefined;
}

/** `($ssl_client_s_dn !~ "regex")`: the argument list of a server-level `if` for a validated match-cn. */
export function ifClientDnMismatchArgs(regex: string): Token[] {
  const err = validateMatchCn(regex, "auth-tls-match-cn");
  if (err) throw new Error(`nginx-values: ${err}`);
  return ["($ssl_client_s_dn" as Token, "!~" as Token, quoteRegex(regex), ")" as Token];
}

// ---------------------------------------------------------------------------------------------
// ModSecurity

/**
 * `modsecurity_rules "<lines>"`: ModSecurity rule lines built by src/core/render/modsecurity.ts
 * from constants and validated values. Each line must be printable ASCII; nginx unescapes `\\`,
 * `\"` and `\n` inside the quoted string, so backslashes and quotes are escaped and lines joined
 * with `\n`. ModSecurity reads the value as it is (nginx expands no variables in it).
 */
export function modsecurityRulesToken(lines: readonly string[]): Token {
  if (lines.length === 0) throw new Error("nginx-values: empty ModSecurity rules");
  for (const l of lines) if (!/^[\x20-\x7e]+$/.test(l)) throw new Error(`nginx-values: ModSecurity rule line ${show(l)} is not printable ASCII`);
  return `"${lines.map((l) => l.replace(/[\\"]/g, (c) => `\\${c}`)).join("\\n")}"` as Token;
}

/** `modsecurity_transaction_id "<value>"`: literal [A-Za-z0-9_-] and `$name` / `${name}` of variables the annotation allows. */
export function modsecurityTransactionIdToken(value: string): Token {
  if (!/^(?:[A-Za-z0-9_-]|\$(?:[a-z0-9_]+|\{[a-z0-9_]+\}))+$/.test(value) || value.length > 256)
    throw new Error(`nginx-values: ${show(value)} is not a transaction id`);
  // ${name} everywhere, so a variable never runs into the literal text after it.
  return quote(value.replace(/\$\{?([a-z0-9_]+)\}?/g, (_m, n: string) => `\${${n}}`));
}

// ---------------------------------------------------------------------------------------------
// External authentication cache

const CACHE_KEY_VARIABLES = new Set([...Object.keys(URL_VARIABLES).filter((v) => v !== "escaped_request_uri"), "remote_user"]);

/** auth-cache-key: literal letters, digits, '-', '_', ':' and '.' and the request variables auth URLs may use, plus $remote_user. */
export function validateCacheKey(key: string, field: string): string | undefined {
  if (key.length === 0 || key.length > 512) return `${field}: must be 1-512 characters`;
  const neutral = key.replace(/\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (m, a?: string, b?: string) => {
    const name = (a ?? b)!;
    return CACHE_KEY_VARIABLES.has(name) || PREFIXED_VARIABLE.test(name) ? "" : m;
  });
  if (neutral.includes("$"))
    return `${field}: ${show(key)}: a variable is not allowed (allowed: $remote_user, the auth-url variables, $http_*, $cookie_*, $arg_*)`;
  if (!/^[A-Za-z0-9_.:-]*$/.test(neutral)) return `${field}: ${show(key)}: only letters, digits, '-', '_', '.', ':' and variables are allowed`;
  return undefined;
}

/** proxy_cache_key of an auth subrequest: the server's host and the auth location (so no other
 * host's or location's cached answers are ever read), then the Ingress's key. */
export function authCacheKeyToken(host: string, authPath: string, key: string): Token {
  const err = validateCacheKey(key, "auth-cache-key") ?? (host === "_" ? undefined : validateHost(host, "host")) ?? validatePlainPath(authPath, "auth path");
  if (err) throw new Error(`nginx-values: ${err}`);
  // ${name} everywhere, so no variable runs into the literal text after it.
  const k = key.replace(
    /\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g,
    (_m, a?: string, b?: string) => `\${${(URL_VARIABLES[(a ?? b)!] ?? `$${a ?? b}`).slice(1)}}`,
  );
  return quote(`${host}${authPath}|${k}`);
}

/** One auth-cache-duration entry, "[code ...] time ...", e.g. "200 202 401 5m", as proxy_cache_valid arguments. */
export function cacheValidArgs(entry: string, field: string): Result<Token[]> {
  const parts = entry.trim().split(/\s+/).filter(Boolean);
  let timeSeen = false;
  for (const p of parts) {
    if (/^[0-9]{3}$/.test(p)) {
      if (timeSeen) return fail(`${field}: ${show(entry)}: status codes come before the times`);
      if (Number(p) < 100 || Number(p) > 599) return fail(`${field}: ${show(p)} is not an HTTP status`);
    } else if (p === "any") {
      if (timeSeen) return fail(`${field}: ${show(entry)}: "any" comes before the times`);
    } else if (/^[0-9]{1,6}(ms|s|m|h|d|w|M|y)$/.test(p)) timeSeen = true;
    else return fail(`${field}: ${show(p)} is neither a status code nor a time (e.g. 5m, 1h)`);
  }
  if (!timeSeen) return fail(`${field}: ${show(entry)} names no time (e.g. "200 202 401 5m")`);
  return ok(parts as Token[]);
}
