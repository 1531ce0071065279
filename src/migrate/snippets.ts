// What a snippet does, as typed annotations (pure). Each recognised directive becomes a value of a
// portico.dev/ (or ingress-nginx) annotation, or a small extra Ingress for one path (a redirect
// or a rewrite of that path); anything else is reported with the reason it has no typed form.
// Every annotation written is validated by the same registry admission uses.

import { ANNOTATIONS, parseAnnotations } from "../core/annotations/registry.js";
import { validateRegexPath } from "../core/nginx-values.js";
import { translateModsecuritySnippet } from "./modsecurity-snippet.js";
import { parseSnippet, type Stmt } from "./nginx-snippet.js";

export interface ExtraPath {
  /** Rule host the path belongs to ("" for every rule host). */
  host: string;
  path: string;
  pathType: "Exact" | "Prefix";
  annotations: Record<string, string>;
  why: string;
}

export interface SnippetTranslation {
  /** portico.dev/ annotations that replace the snippet (already validated). */
  annotations: Record<string, string>;
  /** Extra one-path Ingresses (same hosts and backend) for per-path redirects and rewrites. */
  extraPaths: ExtraPath[];
  /** What could not be carried, with the reason; empty = the snippet is fully expressible. */
  unsupported: string[];
  /** Things carried with a difference worth knowing. */
  notes: string[];
}

export interface SnippetContext {
  hosts: string[];
  tls: boolean;
  /** The Ingress sets enable-modsecurity / enable-owasp-core-rules "true". */
  modsecurity?: boolean;
  crs?: boolean;
}

const P = "portico.dev/";
const known = new Set(ANNOTATIONS.map((a) => a.key));

interface Draft {
  responseHeaders: string[];
  hide: string[];
  requestHeaders: string[];
  require: string[];
  fixed: { path: string; status: number; contentType?: string; body?: string }[];
  deny: string[];
  hostRedirects: string[];
  plain: Record<string, string>;
  extra: ExtraPath[];
  unsupported: string[];
  notes: string[];
  authVars: Map<string, string>;
}

const REQUEST_VARS = new Set([
  "host",
  "remote_addr",
  "request_uri",
  "uri",
  "scheme",
  "request_id",
  "server_port",
  "server_name",
  "http_host",
  "service_name",
  "namespace",
  "service_port",
]);

/** nginx location regex (unanchored) -> Portico regex path (starts with '/', anchored by Portico). */
export function regexPathOf(re: string): string | undefined {
  let r: string;
  if (re.startsWith("^/")) r = re.slice(1);
  else if (re.startsWith("/"))
    r = `/(?:${re.slice(1)}|.*/${re.slice(1)})`; // "/x" anywhere in the path
  else r = `/.*${re.replace(/^\^/, "")}`;
  return validateRegexPath(r) ? undefined : r;
}

function matcherOf(args: string[]): { text: string; exact: boolean; path: string } | string {
  if (args.length === 1) return { text: args[0]!, exact: false, path: args[0]! };
  const [mod, p] = args;
  if (mod === "=" || mod === "^~") return { text: mod === "=" ? `= ${p}` : p!, exact: mod === "=", path: p! };
  if (mod === "~" || mod === "~*") {
    const r = regexPathOf(p!);
    if (!r) return `location regex ${JSON.stringify(p)} is outside Portico's regex subset`;
    return { text: `${mod} ${r}`, exact: false, path: r };
  }
  return `location modifier ${JSON.stringify(mod)} is not understood`;
}

function expandUrl(url: string, ctx: SnippetContext, host: string): string {
  return url.replace(/\$scheme/g, ctx.tls ? "https" : "http").replace(/\$host/g, host);
}

function locationBlock(s: Stmt, ctx: SnippetContext, d: Draft): void {
  if (s.args[0]?.startsWith("@")) {
    d.unsupported.push(
      `named location ${s.args[0]} (a custom error page body): no typed form; use custom-http-errors with a default-backend Service that serves it`,
    );
    return;
  }
  const m = matcherOf(s.args);
  if (typeof m === "string") return void d.unsupported.push(m);
  const body = s.block ?? [];
  const names = body.map((b) => b.name);
  const ret = body.find((b) => b.name === "return");
  const ctype = body.find((b) => (b.name === "add_header" && b.args[0]?.toLowerCase() === "content-type") || b.name === "default_type");
  const rest = body.filter((b) => !["return", "deny", "access_log", "log_not_found", "allow"].includes(b.name) && b !== ctype);
  if (rest.length) return void d.unsupported.push(`location ${m.text}: ${rest.map((b) => b.name).join(", ")} have no typed form`);
  if (names.includes("deny") || (ret && /^4[0-9]{2}$|^5[0-9]{2}$/.test(ret.args[0] ?? "") && ret.args.length === 1)) {
    const status = ret ? Number(ret.args[0]) : 403;
    d.deny.push(`${m.text} ${status}`);
    return;
  }
  if (ret && /^30[12378]$/.test(ret.args[0] ?? "") && ret.args[1]) {
    if (m.text.startsWith("~")) return void d.unsupported.push(`location ${m.text}: a redirect for a regex path has no typed form`);
    const code = Number(ret.args[0]);
    const key = code === 302 || code === 307 ? "temporal-redirect" : "permanent-redirect";
    const hosts = /\$host/.test(ret.args[1]) ? ctx.hosts : [""];
    for (const host of hosts) {
      const url = expandUrl(ret.args[1], ctx, host);
      const annotations: Record<string, string> = { [`${P}${key}`]: url };
      if (key === "permanent-redirect" && code !== 301) annotations[`${P}permanent-redirect-code`] = String(code);
      if (code === 307) annotations[`${P}temporal-redirect-code`] = "307";
      d.extra.push({ host, path: m.path, pathType: m.exact ? "Exact" : "Prefix", annotations, why: `location ${m.text} { return ${code} ... }` });
    }
    return;
  }
  if (ret && /^[0-9]{3}$/.test(ret.args[0] ?? "")) {
    const f: Draft["fixed"][number] = { path: m.text, status: Number(ret.args[0]) };
    if (ctype) f.contentType = ctype.name === "default_type" ? ctype.args[0] : ctype.args[1];
    if (ret.args[1] !== undefined) f.body = ret.args[1];
    d.fixed.push(f);
    return;
  }
  if (!ret && names.every((n) => ["allow", "access_log", "log_not_found"].includes(n))) {
    d.notes.push(`location ${m.text} only turned logging off; it is served like any other path`);
    return;
  }
  d.unsupported.push(`location ${m.text}: not understood`);
}

function statement(s: Stmt, ctx: SnippetContext, d: Draft): void {
  const a = s.args;
  // A line break inside a value would turn one header (or line) of ours into several.
  const broken = a.find((x) => /[\x00-\x1f\x7f]/.test(x));
  if (broken !== undefined)
    return void d.unsupported.push(
      `${s.name}: a value holds a line break or control character (${JSON.stringify(broken.slice(0, 40))}), which no typed value may`,
    );
  switch (s.name) {
    case "more_set_headers":
      for (const h of a) {
        if (h.startsWith("-")) return void d.unsupported.push(`more_set_headers option ${h} has no typed form`);
        const i = h.indexOf(":");
        if (i <= 0) return void d.unsupported.push(`more_set_headers ${JSON.stringify(h)}: no "Name: value"`);
        d.responseHeaders.push(`${h.slice(0, i).trim()}: ${h.slice(i + 1).trim()}`);
      }
      return;
    case "add_header":
      if (a.length < 2) return void d.unsupported.push("add_header without a value");
      d.responseHeaders.push(`${a[0]}: ${a[1]}`);
      return;
    case "proxy_hide_header":
    case "more_clear_headers":
      d.hide.push(...a.filter((x) => !x.startsWith("-")));
      return;
    case "proxy_set_header": {
      const v = a[1] ?? "";
      const ref = /^\$([a-z_0-9]+)$/.exec(v);
      if (ref && d.authVars.has(ref[1]!)) {
        // auth_request_set $v $upstream_http_<h>; proxy_set_header <h> $v  ==  auth-response-headers
        if (!known.has("auth-response-headers")) return void d.unsupported.push("passing an auth response header needs auth-response-headers");
        d.plain["auth-response-headers"] = [d.plain["auth-response-headers"], a[0]].filter(Boolean).join(",");
        return;
      }
      const bad = [...v.matchAll(/\$\{?([a-z_0-9]+)/g)].map((x) => x[1]!).find((n) => !REQUEST_VARS.has(n));
      if (bad) return void d.unsupported.push(`proxy_set_header ${a[0]}: variable $${bad} has no typed equivalent`);
      d.requestHeaders.push(`${a[0]}: ${v}`);
      return;
    }
    case "more_set_input_headers":
      for (const h of a) {
        const i = h.indexOf(":");
        if (i <= 0) return void d.unsupported.push(`more_set_input_headers ${JSON.stringify(h)}: no "Name: value"`);
        d.requestHeaders.push(`${h.slice(0, i).trim()}: ${h.slice(i + 1).trim()}`);
      }
      return;
    case "auth_request_set": {
      const m = /^\$([a-z_0-9]+)$/.exec(a[0] ?? "");
      const u = /^\$upstream_http_([a-z_0-9]+)$/.exec(a[1] ?? "");
      if (m && u) return void d.authVars.set(m[1]!, u[1]!);
      return void d.unsupported.push(`auth_request_set ${a.join(" ")}: only $upstream_http_* passed on as a request header has a typed form`);
    }
    case "proxy_ssl_verify":
    case "proxy_ssl_name":
    case "proxy_ssl_server_name":
      d.plain[s.name.replace(/_/g, "-")] = a[0] ?? "";
      return;
    case "server_tokens":
      if (a[0] === "off") d.notes.push("server_tokens off is Portico's default (setting serverTokens)");
      else d.unsupported.push("server_tokens on: use the serverTokens setting of the IngressController");
      return;
    case "access_log":
      if (a[0] === "off") d.plain["enable-access-log"] = "false";
      else d.unsupported.push("per-Ingress log files have no typed form (enable-access-log turns logging on or off)");
      return;
    case "return": {
      const code = a[0] ?? "";
      if (/^30[12378]$/.test(code) && a[1]) {
        if (/\$/.test(a[1])) return void d.unsupported.push(`return ${code} ${a[1]}: a redirect URL with variables has no typed form`);
        if (code === "302" || code === "307") {
          d.plain["temporal-redirect"] = a[1];
          if (code === "307") d.plain["temporal-redirect-code"] = code;
        } else {
          d.plain["permanent-redirect"] = a[1];
          if (code !== "301") d.plain["permanent-redirect-code"] = code;
        }
        return;
      }
      if (/^[0-9]{3}$/.test(code)) {
        d.fixed.push({ path: "/", status: Number(code), ...(a[1] !== undefined ? { body: a[1] } : {}) });
        return;
      }
      return void d.unsupported.push(`return ${a.join(" ")} is not understood`);
    }
    case "rewrite": {
      const [re, target, flag] = a;
      const lit = /^\^(\/[A-Za-z0-9._~\/-]*)\$?$/.exec(re ?? "");
      if (re === "^" && target && /\$request_uri$/.test(target) && flag === "permanent") {
        return void d.unsupported.push("rewrite ^ <url>$request_uri outside an if ($host = ...) block has no typed form");
      }
      if (!lit || !target || (flag !== undefined && flag !== "last" && flag !== "break"))
        return void d.unsupported.push(`rewrite ${a.join(" ")} is not a rewrite of one literal path`);
      d.extra.push({
        host: "",
        path: lit[1]!.replace(/\\\./g, "."),
        pathType: "Exact",
        annotations: { [`${P}rewrite-target`]: target },
        why: `rewrite ${re} ${target}`,
      });
      d.notes.push(`rewrite ${re}: carried for the exact path ${lit[1]} (a regex rewrite also matched longer paths)`);
      return;
    }
    case "if": {
      const cond = a.map((x) => (x === "" ? '""' : x)).join(" ");
      const host = /^\(\$host\s*=\s*'?([a-z0-9.-]+)'?\s*\)$/.exec(cond);
      const inner = s.block ?? [];
      if (host && inner.length === 1) {
        const r = inner[0]!;
        const target =
          r.name === "rewrite" && r.args[0] === "^" && r.args[2] === "permanent"
            ? r.args[1]
            : r.name === "return" && /^30[178]$/.test(r.args[0] ?? "")
              ? r.args[1]
              : undefined;
        const base = target && /^(https?:\/\/[a-z0-9.-]+(:[0-9]+)?)\$request_uri$/.exec(target);
        if (base) return void d.hostRedirects.push(`${host[1]} ${base[1]}`);
      }
      const hdr = /^\(\$http_([a-z0-9_]+)\s*=\s*(""|'')\s*\)$/.exec(cond);
      if (hdr && inner.length === 1 && inner[0]!.name === "return" && inner[0]!.args[0] === "401") {
        return void d.require.push(hdr[1]!.replace(/_/g, "-"));
      }
      return void d.unsupported.push(`if ${cond}: only "$host = <name>" redirects and "$http_<header> = \\"\\"" 401s have typed forms`);
    }
    case "location":
      return locationBlock(s, ctx, d);
    case "gzip":
    case "gzip_types":
      return void d.unsupported.push(`${s.name}: compression is not configurable per Ingress in Portico`);
    case "proxy_cache":
    case "proxy_cache_valid":
      return void d.unsupported.push(`${s.name}: response caching has no typed equivalent`);
    default:
      if (s.name.endsWith("_by_lua_block") || s.name.endsWith("_by_lua")) return void d.unsupported.push(`${s.name}: Lua cannot be carried`);
      d.unsupported.push(`${s.name}: no typed equivalent`);
  }
}

/** Translates one snippet annotation (key without prefix) of an Ingress. */
export function translateSnippet(key: string, body: string, ctx: SnippetContext): SnippetTranslation {
  const d: Draft = {
    responseHeaders: [],
    hide: [],
    requestHeaders: [],
    require: [],
    fixed: [],
    deny: [],
    hostRedirects: [],
    plain: {},
    extra: [],
    unsupported: [],
    notes: [],
    authVars: new Map(),
  };
  if (key === "modsecurity-snippet") {
    const m = translateModsecuritySnippet(body, { modsecurity: ctx.modsecurity === true, crs: ctx.crs === true });
    Object.assign(d.plain, m.annotations);
    d.unsupported.push(...m.unsupported);
    d.notes.push(...m.notes);
  } else {
    const tree = /_by_lua/.test(body) ? "Lua (*_by_lua) cannot be carried" : parseSnippet(body);
    if (typeof tree === "string") d.unsupported.push(tree.startsWith("Lua") ? tree : `not valid nginx syntax: ${tree}`);
    else for (const s of tree) statement(s, ctx, d);
  }
  const annotations: Record<string, string> = {};
  const put = (k: string, v: string) => {
    // ModSecurity settings are refused without enable-modsecurity: checked as the Ingress will have them.
    const waf: Record<string, string> = k.startsWith("modsecurity-") || k === "enable-owasp-core-rules" ? { [`${P}enable-modsecurity`]: "true" } : {};
    const r = parseAnnotations({ ...waf, [`${P}${k}`]: v });
    if (r.errors.length) d.unsupported.push(r.errors.map((e) => e.message).join("; "));
    else annotations[`${P}${k}`] = v;
  };
  if (d.responseHeaders.length) put("response-headers", d.responseHeaders.join("\n"));
  if (d.hide.length) put("hide-response-headers", [...new Set(d.hide)].join(","));
  if (d.requestHeaders.length) put("request-headers", d.requestHeaders.join("\n"));
  if (d.require.length) put("require-request-headers", d.require.join(","));
  if (d.fixed.length) put("fixed-responses", JSON.stringify(d.fixed));
  if (d.deny.length) put("deny-paths", d.deny.join("\n"));
  if (d.hostRedirects.length) put("host-redirects", d.hostRedirects.join("\n"));
  for (const [k, v] of Object.entries(d.plain)) {
    if (!known.has(k)) d.unsupported.push(`${k} is not implemented by Portico`);
    else put(k, v);
  }
  for (const e of d.extra) {
    for (const [k, v] of Object.entries(e.annotations)) {
      const r = parseAnnotations({ [k]: v });
      if (r.errors.length) d.unsupported.push(`${e.why}: ${r.errors.map((x) => x.message).join("; ")}`);
    }
  }
  return { annotations, extraPaths: d.extra, unsupported: d.unsupported, notes: d.notes };
}
