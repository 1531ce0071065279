// portico.dev typed replacements for the header snippets (more_set_headers, add_header,
// proxy_hide_header, proxy_set_header): one "Name: value" per line, every value validated.
import { HEADER_VARIABLES, show, validateHeaderName, validateHeaderValue, type Result } from "../nginx-values.js";
import { BACKEND_PLACEHOLDERS } from "./upstream-vhost.js";
import { defineAnnotation, type HeaderEntry } from "./types.js";

function headerLines(raw: string, key: string, variables: readonly string[]): Result<HeaderEntry[]> {
  const out: HeaderEntry[] = [];
  const lines = raw
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) return { ok: false, error: `${key}: must hold at least one "Name: value" line` };
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i <= 0) return { ok: false, error: `${key}: ${show(line)} must be "Name: value"` };
    const name = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    const err = validateHeaderName(name, key) ?? validateHeaderValue(value, `${key} (${name})`, variables);
    if (err) return { ok: false, error: err };
    if (out.some((h) => h.name.toLowerCase() === name.toLowerCase())) return { ok: false, error: `${key}: header ${show(name)} is set twice` };
    out.push({ name, value });
  }
  return { ok: true, value: out };
}

export function headerNames(raw: string, key: string): Result<string[]> {
  const names = raw.split(/[\s,]+/).filter(Boolean);
  if (names.length === 0) return { ok: false, error: `${key}: must list at least one header name` };
  for (const n of names) {
    const err = validateHeaderName(n, key);
    if (err) return { ok: false, error: err };
  }
  return { ok: true, value: [...new Set(names)] };
}

export const responseHeaders = defineAnnotation({
  key: "response-headers",
  field: "responseHeaders",
  type: "header lines",
  scope: "location",
  risk: "medium",
  default: "",
  doc: 'Headers added to every response of this Ingress\'s paths, one "Name: value" per line (add_header ... always); values are literal text.',
  parse: (raw, key) => headerLines(raw, key, []),
});

export const hideResponseHeaders = defineAnnotation({
  key: "hide-response-headers",
  field: "hideResponseHeaders",
  type: "list",
  scope: "location",
  risk: "low",
  default: "",
  doc: "Backend response headers removed before the response reaches the client, comma- or space-separated (proxy_hide_header), e.g. X-Powered-By.",
  parse: (raw, key) => headerNames(raw, key),
});

export const REQUEST_HEADER_VARIABLES: readonly string[] = [...HEADER_VARIABLES, ...BACKEND_PLACEHOLDERS];

export const requestHeaders = defineAnnotation({
  key: "request-headers",
  field: "requestHeaders",
  type: "header lines",
  scope: "location",
  risk: "medium",
  default: "",
  doc: `Headers sent to the backend, one "Name: value" per line, replacing Portico's own of the same name; an empty value removes the header. Values may use ${REQUEST_HEADER_VARIABLES.map((v) => `$${v}`).join(", ")} ($service_name, $namespace and $service_port are the backend's).`,
  parse: (raw, key) => headerLines(raw, key, REQUEST_HEADER_VARIABLES),
});

export const requireRequestHeaders = defineAnnotation({
  key: "require-request-headers",
  field: "requireRequestHeaders",
  type: "list",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Requests without a non-empty value for each of these headers (comma- or space-separated) are answered 401.",
  parse: (raw, key) => headerNames(raw, key),
});
