// Routes that go live without a reload (pure). A host server whose every directive is one a plain
// Ingress renders (listens and certificate hooks like the default server's, one exact server name,
// locations that only set the upstream and proxy, an optional HTTPS redirect, the 404 fallback) is
// a table of (host, path) entries: exact paths, and prefixes of which the longest wins, as nginx
// chooses locations. The agent reads the tables of a config it is about to test and reload and
// pushes the ones the running nginx answers differently into Lua shared memory first; the reload
// follows off the critical path.
//   - A host the running config has no server for: the default server's portico.route() answers it.
//   - A host the running config serves with a plain server (a path added, a backend changed): its
//     own locations consult the table. Proxying locations do in the balancer (which they run
//     anyway), and the 404 fallback through portico.fallback(); a location that answers without
//     Lua (an older config's 404 page) cannot, so the change may not alter what that one answers.
//     The balancer can only pick the upstream: every URI an old proxying location takes must get
//     an upstream from the new table, with the same HTTPS redirect (liveSafe).
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
  /** The running config has a server for this host: its locations consult the table (else the
   * default server does). */
  served?: true;
}

export type DynamicRoutes = Record<string, HostRoute>;

/** The default server's named locations portico.route() sends requests to (rendered in servers.ts). */
export const DYNAMIC_ROUTE_LOCATIONS = {
  proxy: "@portico_route",
  httpsRedirect: "@portico_route_https",
  notFound: "@portico_route_not_found",
} as const;

/** The Lua call of a host server's 404 fallback location (rendered in location.ts). */
export const FALLBACK_HOOK = (sslRedirect: boolean) => `portico.fallback(${sslRedirect})`;

const SERVER_OPEN = "\n  server {\n";
const SERVER_CLOSE = "\n  }\n";
const SERVER_NAME = /^ {4}server_name "([^"]+)";$/m;
const ANY_SERVER_NAMES = /^ {4}server_name (.+);$/gm;
const PROXY = "proxy_pass http://portico_upstream;";

/** Who answers a location of a running server under a pushed table. */
type Decider = "balancer" | "lua" | "static";

/** A plain server's table, with who decides each location (for liveSafe). */
interface ServerRoute {
  route: HostRoute;
  exact: Record<string, Decider>;
  prefix: Record<string, Decider>;
}

/** The host servers of one config: their text by host, their tables read on demand. */
export class ConfigServers {
  /** Every server name, aliases included (what the config's servers answer natively). */
  readonly names = new Set<string>();
  /** Server text by its single plain server name (the ones a table may describe). */
  private readonly texts = new Map<string, string>();
  private readonly routes = new Map<string, ServerRoute | null>();
  private readonly shape: PlainShape | undefined;

  constructor(config: string) {
    this.shape = plainShape(config);
    for (const m of config.matchAll(ANY_SERVER_NAMES)) for (const n of m[1]!.matchAll(/"([^"]+)"/g)) this.names.add(n[1]!);
    if (!this.shape) return;
    let at = config.indexOf(SERVER_OPEN);
    while (at >= 0) {
      const end = config.indexOf(SERVER_CLOSE, at);
      if (end < 0) break;
      const text = config.slice(at + SERVER_OPEN.length, end);
      at = config.indexOf(SERVER_OPEN, end);
      const host = SERVER_NAME.exec(text)?.[1];
      if (!host || host !== host.toLowerCase() || host.startsWith("*") || validateHost(host)) continue;
      this.texts.set(host, text);
    }
  }

  text(host: string): string | undefined {
    return this.texts.get(host);
  }

  hosts(): IterableIterator<string> {
    return this.texts.keys();
  }

  /** The host's table, or null when its server is not plain (or it has none). */
  route(host: string): ServerRoute | null {
    let r = this.routes.get(host);
    if (r === undefined) {
      const text = this.texts.get(host);
      r = text && this.shape ? hostRoute(text.split("\n"), host, this.shape) : null;
      this.routes.set(host, r);
    }
    return r;
  }
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
  const end = config.indexOf(SERVER_CLOSE, start);
  const lines = config.slice(start + SERVER_OPEN.length, end < 0 ? undefined : end).split("\n");
  const nameAt = lines.indexOf("    server_name _;");
  // Only a config whose default server routes pending hosts may have some (older ones have none).
  if (lines[nameAt + 2] !== "    rewrite_by_lua_block {" || lines[nameAt + 3] !== "      portico.route()") return undefined;
  const prelude = lines.slice(0, nameAt).map((l) => l.replace(/ default_server;$/, ";"));
  const redirect = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.httpsRedirect);
  const notFound = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.notFound);
  const proxy = namedBody(lines, DYNAMIC_ROUTE_LOCATIONS.proxy);
  if (!redirect || redirect.length !== 1 || !notFound || proxy?.join("\n") !== `    ${PROXY}`) return undefined;
  if (!prelude.length || !prelude[0]!.startsWith("    listen ")) return undefined;
  return { httpsPrelude: prelude, httpPrelude: [prelude[0]!], redirectReturn: redirect[0]!.trim(), notFoundBody: notFound.map((l) => l.trim()) };
}

const LOCATION_HEAD = /^ {4}location (?:(=|\^~) )?"([^"]+)" \{$/;
const SET_UPSTREAM = /^set \$portico_upstream "([^"]+)";$/;
const same = (a: string[], b: string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

/** The table of one host server's text, or null when it is not plain. */
function hostRoute(lines: string[], host: string, shape: PlainShape): ServerRoute | null {
  const nameAt = lines.indexOf(`    server_name "${host}";`);
  if (nameAt < 0) return null;
  const prelude = lines.slice(0, nameAt);
  const https = same(prelude, shape.httpsPrelude);
  if (!https && !same(prelude, shape.httpPrelude)) return null;
  if (lines[nameAt + 1] !== '    set $portico_upstream "";') return null;
  const out: ServerRoute = { route: { https, exact: {}, prefix: {} }, exact: {}, prefix: {} };
  let i = nameAt + 2;
  let hasRoot = false;
  while (i < lines.length) {
    const head = LOCATION_HEAD.exec(lines[i]!);
    if (!head) return null;
    const end = lines.indexOf("    }", i);
    if (end < 0) return null;
    const body = lines.slice(i + 1, end).map((l) => l.trim());
    i = end + 1;
    const [, modifier, path] = head;
    if (validatePlainPath(path!)) return null;
    const target: RouteTarget = {};
    let decider: Decider;
    let k = 0;
    if (body[0] === "if ($scheme = http) {" && body[1] === shape.redirectReturn && body[2] === "}") {
      target.sslRedirect = true;
      k = 3;
    }
    const rest = body.slice(k);
    const set = rest.length === 2 ? SET_UPSTREAM.exec(rest[0]!) : null;
    const hook = (on: boolean) => same(rest, ["rewrite_by_lua_block {", FALLBACK_HOOK(on), "}", PROXY]);
    if (set && rest[1] === PROXY && !validateUpstreamName(set[1]!)) {
      target.upstream = set[1]!;
      decider = "balancer";
    } else if (k === 0 && (hook(true) || hook(false)) && modifier === undefined) {
      if (hook(true)) target.sslRedirect = true;
      decider = "lua";
    } else if (same(rest, shape.notFoundBody)) decider = "static";
    else return null;
    if (modifier === "=") {
      out.route.exact[path!] = target;
      out.exact[path!] = decider;
    } else if (modifier === "^~" ? path!.endsWith("/") : path === "/") {
      out.route.prefix[path!] = target;
      out.prefix[path!] = decider;
    } else return null;
    if (modifier === undefined) hasRoot = true;
  }
  // Every plain server ends with its `/` location (a rule's own or the 404 fallback).
  return hasRoot ? out : null;
}

/** nginx's choice among exact and prefix locations: `= uri`, else the longest prefix of it. */
function choose<T>(exact: Record<string, T>, prefix: Record<string, T>, uri: string): T | undefined {
  if (Object.hasOwn(exact, uri)) return exact[uri];
  let best: string | undefined;
  for (const p of Object.keys(prefix)) if (uri.startsWith(p) && (best === undefined || p.length > best.length)) best = p;
  return best === undefined ? undefined : prefix[best];
}

const sameTarget = (a: RouteTarget | undefined, b: RouteTarget | undefined) => a?.upstream === b?.upstream && !!a?.sslRedirect === !!b?.sslRedirect;

/**
 * Whether `next` can be answered through the running server `old` without its reload. One URI per
 * class decides for the whole class: each exact path, and past each prefix a character no path
 * holds (a URI only prefixes match), since nginx's choice depends only on which exact path equals
 * the URI and which prefixes start it.
 */
function liveSafe(old: ServerRoute, next: HostRoute): boolean {
  if (old.route.https !== next.https) return false; // a listen added or removed: the reload's
  const uris = new Set([
    ...Object.keys(old.exact),
    ...Object.keys(next.exact),
    ...[...Object.keys(old.prefix), ...Object.keys(next.prefix)].map((p) => `${p}\0`),
  ]);
  for (const uri of uris) {
    const decider = choose(old.exact, old.prefix, uri);
    const was = choose(old.route.exact, old.route.prefix, uri);
    const now = choose(next.exact, next.prefix, uri);
    if (decider === "lua") continue; // portico.fallback() answers whatever the table says
    if (decider === "balancer" ? now?.upstream !== undefined && !!now.sslRedirect === !!was?.sslRedirect : sameTarget(was, now)) continue;
    return false;
  }
  return true;
}

const sameRoute = (a: HostRoute, b: HostRoute) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The routes of `next`'s plain host servers that the nginx running `against` (the running config,
 * and during a reload the one being loaded: workers of both answer) would answer differently, and
 * can answer the new way now: hosts those configs have no server for, and hosts they serve with a
 * plain server that the change keeps liveSafe. Hosts whose server text is unchanged everywhere are
 * not read at all (a change touches few of 10,000 servers).
 */
export function dynamicRoutes(next: ConfigServers, against: readonly ConfigServers[]): DynamicRoutes {
  const out: DynamicRoutes = {};
  for (const host of next.hosts()) {
    const text = next.text(host);
    if (against.every((c) => c.text(host) === text)) continue;
    const r = next.route(host)?.route;
    if (!r) continue;
    let served = false;
    let differs = false;
    const ok = against.every((c) => {
      if (!c.names.has(host)) return (differs = true);
      served = true;
      const old = c.route(host);
      if (!old) return false;
      if (!sameRoute(old.route, r)) differs = true;
      return liveSafe(old, r);
    });
    if (ok && differs) out[host] = served ? { ...r, served: true } : r;
  }
  return out;
}
