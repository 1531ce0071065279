// mirror-*: `mirror` in the locations, and the internal location each copy goes to. A mirror
// subrequest shares the request's variables and runs the server-level `set $portico_upstream ""`,
// so its location sets the upstream back for the main request's balancer (as the auth location does).

import { createHash } from "node:crypto";
import { hostPortToken, lit, onOff, pathToken, upstreamNameToken, urlHostToken, urlWithVariablesToken, usesEscapedRequestUri } from "../nginx-values.js";
import type { MirrorModel, Origin } from "../model/types.js";
import { sourced } from "./render-error.js";
import { ESCAPED_URI, type LocationContext } from "./access.js";
import { dedupeHeaderDirectives } from "./proxy-tuning.js";
import { b, d, type Directive } from "./writer.js";

export interface MirrorUse {
  mirror: MirrorModel;
  upstream: string;
  /** The Ingress of the location that mirrors (an nginx -t error in the mirror location names it). */
  origin?: Origin;
}

const mirrorPath = (u: MirrorUse) =>
  `/_portico_mirror_${createHash("sha256")
    .update(JSON.stringify([u.mirror, u.upstream])) // not the origin: one location for all its users
    .digest("hex")
    .slice(0, 16)}`;

/** In the location: copy each request to the mirror's internal location. */
export function mirrorDirectives(use: MirrorUse): Directive[] {
  return [d("mirror", pathToken(mirrorPath(use))), d("mirror_request_body", onOff(use.mirror.requestBody))];
}

/** The internal locations the server's mirrors go to (one per target, Host and upstream). */
export function mirrorLocations(uses: MirrorUse[], lc: LocationContext): Directive[] {
  const users = new Map<string, (Origin | undefined)[]>();
  for (const use of uses) users.set(mirrorPath(use), [...(users.get(mirrorPath(use)) ?? []), use.origin]);
  const seen = new Set<string>();
  const out: Directive[] = [];
  for (const use of uses) {
    const path = mirrorPath(use);
    if (seen.has(path)) continue;
    seen.add(path);
    const m = use.mirror;
    const body: Directive[] = [d("internal"), d("set", lit("$portico_upstream"), upstreamNameToken(use.upstream))];
    if (usesEscapedRequestUri(m.target)) body.push(ESCAPED_URI);
    body.push(
      // The server-wide request headers (X-Forwarded-*), with the mirror's Host.
      ...dedupeHeaderDirectives([...lc.proxyHeaders, d("proxy_set_header", lit("Host"), m.host ? hostPortToken(m.host) : urlHostToken(m.target))]),
      // A variable: the host is resolved at request time (settings.resolvers), so an unresolvable
      // name fails the copies only, never the config.
      d("set", lit("$portico_mirror_target"), urlWithVariablesToken(m.target)),
      d("proxy_pass", lit("$portico_mirror_target")),
    );
    out.push(sourced(users.get(path), b("location", [lit("="), pathToken(path)], body)));
  }
  return out;
}
