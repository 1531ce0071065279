// How model locations become nginx `location` blocks, in order. Shared by the renderer and by
// matching.ts (which replays nginx's selection algorithm), so tests check the rendered layout.

import type { LocationModel } from "../model/types.js";
import { escapeLiteral } from "../regex-grammar.js";

export type Modifier = "=" | "^~" | "" | "~" | "~*";

export interface PlacedLocation {
  modifier: Modifier;
  /** Exact/prefix: the literal path; regex: the full pattern including the leading `^`. */
  pattern: string;
  loc: LocationModel;
}

/** Regex source for a Prefix path: whole path elements only. */
export function prefixRegex(path: string): string {
  if (path === "/") return "/";
  return `${escapeLiteral(path)}(/|$)`;
}

/**
 * Without regexes on the host: Exact `/a` -> `= /a`; Prefix `/a` -> `= /a` (unless an Exact `/a`
 * exists: Exact wins) and `^~ /a/`; Prefix `/` -> `/`. nginx picks `=` first, then the longest
 * prefix, which is the API's "longest match wins". With a regex on the host (use-regex or
 * rewrite-target, ingress-nginx semantics), Prefix paths become anchored regexes as well, ordered
 * longest path first; Exact stays `=`. The fallback (`/`) is added unless a Prefix `/` exists.
 * An Exact path ending in `/` (`/foo/`) gets a twin `= /foo` holding whatever `/foo` matches
 * without it: nginx answers a URI one slash short of a proxying location with a 301 to it, and the
 * Ingress API says `/foo` is not matched by Exact `/foo/`.
 */
export function placeLocations(locations: LocationModel[], regexMode: boolean, fallback: LocationModel): PlacedLocation[] {
  const exact = new Set(locations.filter((l) => l.match === "exact").map((l) => l.path));
  const placed: PlacedLocation[] = [];
  const regexes: { sortPath: string; p: PlacedLocation }[] = [];
  let hasRoot = false;
  for (const loc of locations) {
    if (loc.match === "exact") {
      placed.push({ modifier: "=", pattern: loc.path, loc });
    } else if (loc.match === "regex") {
      regexes.push({ sortPath: loc.path, p: { modifier: loc.caseInsensitive ? "~*" : "~", pattern: `^${loc.path}`, loc } });
    } else if (regexMode) {
      if (loc.path === "/") hasRoot = true;
      regexes.push({ sortPath: loc.path, p: { modifier: "~", pattern: `^${prefixRegex(loc.path)}`, loc } });
    } else if (loc.path === "/") {
      hasRoot = true;
      placed.push({ modifier: "", pattern: "/", loc });
    } else {
      if (!exact.has(loc.path)) placed.push({ modifier: "=", pattern: loc.path, loc });
      placed.push({ modifier: "^~", pattern: `${loc.path}/`, loc });
    }
  }
  regexes.sort(
    (a, b) =>
      b.sortPath.length - a.sortPath.length || (a.sortPath < b.sortPath ? -1 : a.sortPath > b.sortPath ? 1 : 0) || (a.p.modifier < b.p.modifier ? -1 : 1),
  );
  placed.sort(byPattern);
  if (!hasRoot) placed.push({ modifier: "", pattern: "/", loc: fallback });
  const all = [...placed, ...regexes.map((r) => r.p)];
  const twins: PlacedLocation[] = [];
  for (const p of placed) {
    if (p.modifier !== "=" || p.pattern.length < 2 || !p.pattern.endsWith("/")) continue;
    const short = p.pattern.slice(0, -1);
    if (placed.some((q) => q.modifier === "=" && q.pattern === short)) continue;
    const winner = selectLocation(all, short);
    if (winner) twins.push({ modifier: "=", pattern: short, loc: winner.loc });
  }
  if (!twins.length) return all;
  const statics = [...placed, ...twins].sort(byPattern);
  return [...statics, ...regexes.map((r) => r.p)];
}

function byPattern(a: PlacedLocation, b: PlacedLocation): number {
  return a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : a.modifier < b.modifier ? -1 : 1;
}

/** nginx's location selection: `=` exact, else the longest prefix; a `^~` longest prefix stops;
 * else the first matching regex in order; else the longest prefix. */
export function selectLocation(placed: PlacedLocation[], uri: string): PlacedLocation | undefined {
  const exact = placed.find((p) => p.modifier === "=" && p.pattern === uri);
  if (exact) return exact;
  let longest: PlacedLocation | undefined;
  for (const p of placed) {
    if ((p.modifier === "" || p.modifier === "^~") && uri.startsWith(p.pattern)) {
      if (!longest || p.pattern.length > longest.pattern.length) longest = p;
    }
  }
  if (longest?.modifier === "^~") return longest;
  for (const p of placed) {
    if (p.modifier === "~" || p.modifier === "~*") {
      if (new RegExp(p.pattern, p.modifier === "~*" ? "i" : "").test(uri)) return p;
    }
  }
  return longest;
}
