import { normalizeHost, parseBool, validateHost } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const serverAlias = defineAnnotation({
  key: "server-alias",
  field: "serverAlias",
  type: "list",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "Comma-separated extra host names served exactly like the Ingress's hosts; a name another Ingress serves as a host is left to it.",
  parse: (raw, key) => {
    const hosts: string[] = [];
    for (const h of raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const err = validateHost(h, key);
      if (err) return { ok: false, error: err };
      if (!hosts.includes(normalizeHost(h))) hosts.push(normalizeHost(h));
    }
    if (hosts.length === 0) return { ok: false, error: `${key}: must list at least one host` };
    return { ok: true, value: hosts };
  },
});

export const fromToWwwRedirect = defineAnnotation({
  key: "from-to-www-redirect",
  field: "fromToWwwRedirect",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "Redirect www.<host> to <host> (or <host> to www.<host> when the rule host starts with www.) with 308, keeping the URI; not when another Ingress serves that name.",
  parse: (raw, key) => parseBool(raw, key),
});

/** The name from-to-www-redirect serves (a redirect to `host`): www.<host>, or <host> without its
 * "www." prefix; none for wildcard hosts or a twin with a single label. Build and admission. */
export function wwwTwinOf(host: string): string | undefined {
  if (host.startsWith("*")) return undefined;
  const twin = host.startsWith("www.") ? host.slice(4) : `www.${host}`;
  return twin.split(".").length < 2 ? undefined : twin;
}
