// Routes that can go live without a reload. A host server whose every directive is one a plain
// Ingress renders (listens and certificate hooks like the default server's, one exact server name,
// locations that only set the upstream and proxy, an optional HTTPS redirect, the 404 fallback) is
// served identically by the default server's portico.route() from a routing table in Lua shared
// memory. The agent reads that table out of a config it is about to test and reload, for the hosts
// the running config has no server for, and pushes it first: the reload follows off the critical path.
//
// Fail closed by construction: the reader accepts only the exact text the renderer prints for such
// a server (servers.ts, location.ts); any other directive (an annotation's, a regex location, a
// wildcard or alias name, anything added later) makes that host wait for the reload, as before.
import { validateHost, validatePlainPath, validateUpstreamName } from "../nginx-values.js";

/** How a request of a routed host is answered once its location is chosen. */
export interface RouteTarget {
  /** The upstream the location proxies to; absent: the host's 404 page (its fallback location). */
  upstream?: string;
  /** Plain-HTTP requests get the host's 308 to HTTPS first (ssl-redirect). */
  sslRedirect?: true;
}

/** One host's locations: `location = p` (exact) and `location ^~ p` / `location p` (prefix). */
export interface HostRoute {
  /** The host's server listens on the HTTPS port too (it has TLS). */
  https: boolean;
  exact: Record<string, RouteTarget>;
  prefix: Record<string, RouteTarget>;
}

export type DynamicRoutes = Record<string, HostRoute>;

/** The default server's named locations portico.route() sends requests to (rendered in servers.ts). */
export const DYNAMIC_ROUTE_LOCATIONS = {
  proxy: "@portico_route",
  httpsRedirect: "@portico_route_https",
  notFound: "@portico_route_not_found",
} as const;

const SERVER_OPEN = "\n  server {\n";
const SERVER_CLOSE = "\n  }\n";
const SERVER_NAME = /^ {4}server_name "([^"]+)";$/gm;
const ANY_SERVER_NAMES = /^ {4}server_name (.+);$/gm;

/** Every server name of a config, aliases included (what its host servers answer natively). */
export function serverNames(config: string): Set<string> {
  const out = new Set<string>();
  for (const m of config.matchAll(ANY_SERVER_NAMES)) for (const n of m[1]!.matchAll(/"([^"]+)"/g)) out.add(n[1]!);
  return out;
}

/** What a plain host server must look like, read from the default server of the same config. */
interface PlainShape {
  /** Lines before `server_name` of a host with TLS (the default server's, minus default_server). */
  httpsPrelude: string[];
  /** ... and of a host without TLS (the HTTP listen only). */
  httpPrelude: string[];
  /** The body line of the HTTPS redirect (`return 308 ...;`) and of the 404 page. */
  redirectReturn: string;
  notFoundBody: string[];
}

function blockAt(config: string, start: number): string {
  const end = config.indexOf(SERVER_CLOSE, start);
  return end < 0 ? "" : config.slice(start + SERVER_OPEN.length, end);
}

/** The body lines of `    location <head> {` inside a server's lines, or undefined. */
function namedBody(lines: string[], head: string): string[] | undefined {
  const i = lines.indexOf(`    location ${head} {`);
  if (i < 0) return undefined;
  const j = lines.indexOf("    }", i);
  return j < 0 ? undefined : lines.slice(i + 1, j).map((l) => l.slice(2));
}

function plainShape(config: string): PlainShape | undefined {
  const at = config.indexOf("\n    server_name _;\n");
  if (at < 0) return undefined;
  const start = config.lastIndexOf(SERVER_OPEN, at);
  if (start < 0) return undefined;
  const lines = blockAt(config, start).split("\n");
  const nameAt = lines.indexOf("    server_name _;");
  // Only a config whose default server routes pending hosts may have some (older ones have none).
  if (lines[nameAt + 2] !== "    rewrite_by_lua_block {" || lines[nameAt + 3] !== "      portico.route()") return undefined;
  const prelude = lines.slice(0, nameAt).map((l) => l.replace(/ default_server;$/, ";"));
  const redirect = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.httpsRedirect);
  const notFound = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.notFound);
  const proxy = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.proxy);
  if (!redirect || redirect.length !== 1 || !notFound || proxy?.join("\n") !== "    proxy_pass http://portico_upstream;") return undefined;
  if (!prelude.length || !prelude[0]!.startsWith("    listen ")) return undefined;
  return { httpsPrelude: prelude, httpPrelude: [prelude[0]!], redirectReturn: redirect[0]!.trim(), notFoundBody: notFound.map((l) => l.trim()) };
}

const LOCATION_HEAD = /^ {4}location (?:(=|\^~) )?"([^"]+)" \{$/;
const SET_UPSTREAM = /^ {6}set \$portico_upstream "([^"]+)";$/;

/** The route of one host server's text, or undefined when it is not plain. */
function hostRoute(lines: string[], host: string, shape: PlainShape): HostRoute | undefined {
  const nameAt = lines.indexOf(`    server_name "${host}";`);
  if (nameAt < 0) return undefined;
  const prelude = lines.slice(0, nameAt);
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((l, i) => l === b[i]);
  const https = same(prelude, shape.httpsPrelude);
  if (!https && !same(prelude, shape.httpPrelude)) return undefined;
  if (lines[nameAt + 1] !== '    set $portico_upstream "";') return undefined;
  const route: HostRoute = { https, exact: {}, prefix: {} };
  let i = nameAt + 2;
  let hasRoot = false;
  while (i < lines.length) {
    const head = LOCATION_HEAD.exec(lines[i]!);
    if (!head) return undefined;
    const end = lines.indexOf("    }", i);
    if (end < 0) return undefined;
    const body = lines.slice(i + 1, end).map((l) => l.trim());
    i = end + 1;
    const [, modifier, path] = head;
    if (validatePlainPath(path!)) return undefined;
    const target: RouteTarget = {};
    let k = 0;
    if (body[0] === "if ($scheme = http) {" && body[1] === shape.redirectReturn && body[2] === "}") {
      target.sslRedirect = true;
      k = 3;
    }
    const rest = body.slice(k);
    const set = rest.length === 2 ? SET_UPSTREAM.exec(`      ${rest[0]}`) : null;
    if (set && rest[1] === "proxy_pass http://portico_upstream;" && !validateUpstreamName(set[1]!)) target.upstream = set[1]!;
    else if (!same(rest, shape.notFoundBody)) return undefined;
    if (modifier === "=") route.exact[path!] = target;
    else if (modifier === "^~" ? path!.endsWith("/") : path === "/") route.prefix[path!] = target;
    else return undefined;
    if (modifier === undefined) hasRoot = true;
  }
  // Every plain server ends with its `/` location (a rule's own or the 404 fallback).
  return hasRoot ? route : undefined;
}

/**
 * The routes of the plain host servers of `config` whose host is not in `except` (the hosts the
 * running config already serves natively: for those a pending change waits for the reload).
 */
export function dynamicRoutes(config: string, except: ReadonlySet<string>): DynamicRoutes {
  const out: DynamicRoutes = {};
  const shape = plainShape(config);
  if (!shape) return out;
  for (const m of config.matchAll(SERVER_NAME)) {
    const host = m[1]!;
    if (except.has(host) || host !== host.toLowerCase() || host.startsWith("*") || validateHost(host)) continue;
    const start = config.lastIndexOf(SERVER_OPEN, m.index);
    if (start < 0) continue;
    const route = hostRoute(blockAt(config, start).split("\n"), host, shape);
    if (route) out[host] = route;
  }
  return out;
}
