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
  placed.sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : a.modifier < b.modifier ? -1 : 1));
  if (!hasRoot) placed.push({ modifier: "", pattern: "/", loc: fallback });
  return [...placed, ...regexes.map((r) => r.p)];
}
