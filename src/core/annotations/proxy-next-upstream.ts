import { MAX_TIMEOUT_SECONDS, parseIntIn, parseNextUpstream, parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyNextUpstream = defineAnnotation({
  key: "proxy-next-upstream",
  field: "proxyNextUpstream",
  type: "list",
  scope: "location",
  risk: "low",
  default: "error timeout",
  doc: 'When to retry another endpoint (proxy_next_upstream): space-separated error, timeout, invalid_header, http_500, http_502, http_503, http_504, http_403, http_404, http_429, non_idempotent, or "off".',
  parse: (raw, key) => parseNextUpstream(raw, key),
});

export const proxyNextUpstreamTries = defineAnnotation({
  key: "proxy-next-upstream-tries",
  field: "proxyNextUpstreamTries",
  type: "int",
  scope: "location",
  risk: "low",
  default: "3",
  doc: "Most attempts per request, the first included (proxy_next_upstream_tries); 0 means no limit.",
  parse: (raw, key) => parseIntIn(raw, key, 0, 100),
});

export const proxyNextUpstreamTimeout = defineAnnotation({
  key: "proxy-next-upstream-timeout",
  field: "proxyNextUpstreamTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "0 (no limit)",
  doc: "Time limit for passing a request on to the next endpoint, in seconds (proxy_next_upstream_timeout); 0 means no limit.",
  parse: (raw, key) => parseSeconds(raw, key, 0, MAX_TIMEOUT_SECONDS),
});
