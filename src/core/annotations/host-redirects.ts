// portico.dev typed replacement for `if ($host = old) { rewrite ^ https://new$request_uri permanent; }`.
import { normalizeHost, parseIntIn, show, validateHost, validateRedirectUrl } from "../nginx-values.js";
import { defineAnnotation, type HostRedirect } from "./types.js";

export const hostRedirects = defineAnnotation({
  key: "host-redirects",
  field: "hostRedirects",
  type: "lines",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: 'Rule hosts of this Ingress whose every request is redirected to another origin, keeping the URI: one "<host> <scheme://host[:port]>" per line (code: host-redirect-code).',
  parse: (raw, key) => {
    const out: HostRedirect[] = [];
    const lines = raw
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    if (lines.length === 0) return { ok: false, error: `${key}: must hold at least one "<host> <scheme://host>" line` };
    for (const line of lines) {
      const [host, target, extra] = line.split(/\s+/);
      if (!host || !target || extra !== undefined) return { ok: false, error: `${key}: ${show(line)} must be "<host> <scheme://host[:port]>"` };
      const err =
        validateHost(host, key) ??
        validateRedirectUrl(target, key) ??
        (/^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/i.test(target) ? undefined : `${key}: ${show(target)} must be scheme://host[:port] without a path`);
      if (err) return { ok: false, error: err };
      if (host.startsWith("*")) return { ok: false, error: `${key}: ${show(host)} must not be a wildcard` };
      out.push({ host: normalizeHost(host), target: target.toLowerCase() });
    }
    return { ok: true, value: out };
  },
});

export const hostRedirectCode = defineAnnotation({
  key: "host-redirect-code",
  field: "hostRedirectCode",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "301",
  doc: "Status code of host-redirects: 301, 302, 303, 307 or 308.",
  parse: (raw, key) => {
    const r = parseIntIn(raw, key, 300, 308);
    if (r.ok && ![301, 302, 303, 307, 308].includes(r.value)) return { ok: false, error: `${key}: ${r.value} must be one of 301, 302, 303, 307, 308` };
    return r;
  },
});
