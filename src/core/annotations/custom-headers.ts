// custom-headers (ingress-nginx): a ConfigMap of the Ingress's own namespace whose entries are
// response headers of its paths ("Header-Name": "value"), set on every response, replacing a
// header of that name from the backend (ingress-nginx's more_set_headers). Values are literal text.
// ingress-nginx also requires each name in its global-allowed-response-headers setting; Portico
// does not, as portico.dev/response-headers already lets an Ingress set response headers.

import { show, validateHeaderName, validateHeaderValue, type Result } from "../nginx-values.js";
import { parseConfigMapRef } from "./config-map-refs.js";
import { defineAnnotation, type HeaderEntry } from "./types.js";

/** More entries than this in one ConfigMap are refused (each is a directive in every location). */
export const MAX_CONFIG_MAP_HEADERS = 64;

export const customHeaders = defineAnnotation({
  key: "custom-headers",
  field: "customHeaders",
  type: "string",
  scope: "location",
  risk: "medium",
  default: "",
  doc: `ConfigMap (name, or namespace/name in the Ingress's own namespace) whose entries are response headers of this Ingress's paths, "Header-Name: value" (at most ${MAX_CONFIG_MAP_HEADERS}), set on every response and replacing the backend's header of that name; values are literal text. A missing ConfigMap, or an entry that is not a valid header, makes the paths answer 503 with an Event, as in ingress-nginx. Unlike ingress-nginx, the names need not be listed in a global-allowed-response-headers setting.`,
  parse: parseConfigMapRef,
});

/** The headers of a ConfigMap of headers (custom-headers, auth-proxy-set-headers; `where` names it
 * in messages), sorted by name; `$` only before one of `variables`. */
export function configMapHeaders(data: Record<string, string> | undefined, where: string, variables: readonly string[] = []): Result<HeaderEntry[]> {
  const entries = Object.entries(data ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return { ok: false, error: `${where} has no entries (one per header: "Header-Name": "value")` };
  if (entries.length > MAX_CONFIG_MAP_HEADERS) return { ok: false, error: `${where} has ${entries.length} entries, more than ${MAX_CONFIG_MAP_HEADERS}` };
  const out: HeaderEntry[] = [];
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const field = `${where} key ${show(name)}`;
    const err = validateHeaderName(name, field) ?? validateHeaderValue(value.trim(), field, variables);
    if (err) return { ok: false, error: err };
    if (seen.has(name.toLowerCase())) return { ok: false, error: `${field}: header set twice (names are case-insensitive)` };
    seen.add(name.toLowerCase());
    out.push({ name, value: value.trim() });
  }
  return { ok: true, value: out };
}
