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
