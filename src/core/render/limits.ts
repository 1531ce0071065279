// limit-rps / limit-rpm / limit-connections: zones declared once per Ingress in http{}, keyed by the
// client address (empty, so not counted, for limit-allowlist addresses); each location of the
// Ingress refers to them. nginx answers 503 when a limit is exceeded (limit_req_status default).

import { cidrToken, derivedName, int, keyInt, lit, litQuoted, rateToken, variableOf, zoneArg, zoneRef } from "../nginx-values.js";
import type { LimitZone, LocationLimits } from "../model/types.js";
import { allSourced } from "./render-error.js";
import { b, d, entry, type Directive } from "./writer.js";

export function limitZoneDirectives(zones: LimitZone[]): Directive[] {
  const out: Directive[] = [];
  for (const z of zones) out.push(...allSourced(z.origin, zoneDirectives(z)));
  return out;
}

function zoneDirectives(z: LimitZone): Directive[] {
  const out: Directive[] = [];
  let key = lit("$binary_remote_addr");
  if (z.allowlist.length) {
    const allow = derivedName("portico_allow", z.id);
    key = variableOf(derivedName("portico_limit", z.id, "_key"));
    out.push(b("geo", [variableOf(allow)], [d("default", int(0)), ...z.allowlist.map((c) => entry(cidrToken(c), int(1)))]));
    out.push(b("map", [variableOf(allow), key], [entry(int(0), lit("$binary_remote_addr")), entry(int(1), litQuoted(""))]));
  }
  if (z.rps !== undefined) out.push(d("limit_req_zone", key, zoneArg(derivedName("portico_limit", z.id, "_rps"), "5m"), rateToken(z.rps, "s")));
  if (z.rpm !== undefined) out.push(d("limit_req_zone", key, zoneArg(derivedName("portico_limit", z.id, "_rpm"), "5m"), rateToken(z.rpm, "m")));
  if (z.connections) out.push(d("limit_conn_zone", key, zoneArg(derivedName("portico_limit", z.id, "_conn"), "5m")));
  return out;
}

export function limitDirectives(l: LocationLimits): Directive[] {
  const out: Directive[] = [];
  if (l.rps) out.push(d("limit_req", zoneRef(derivedName("portico_limit", l.id, "_rps")), keyInt("burst", l.rps.burst), lit("nodelay")));
  if (l.rpm) out.push(d("limit_req", zoneRef(derivedName("portico_limit", l.id, "_rpm")), keyInt("burst", l.rpm.burst), lit("nodelay")));
  if (l.connections !== undefined) out.push(d("limit_conn", derivedName("portico_limit", l.id, "_conn"), int(l.connections)));
  return out;
}
