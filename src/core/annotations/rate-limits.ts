// Per-client limits (ingress-nginx semantics): requests per second / minute with a burst of
// rate x limit-burst-multiplier answered without delay, concurrent connections, and an allowlist of
// client addresses the limits do not apply to. Exceeding a limit answers 503, as ingress-nginx.
import { parseCidrList, parseIntIn } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const limitRps = defineAnnotation({
  key: "limit-rps",
  field: "limitRps",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Requests per second accepted from one client address (burst: rate x limit-burst-multiplier); more answer 503.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 1000000),
});

export const limitRpm = defineAnnotation({
  key: "limit-rpm",
  field: "limitRpm",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Requests per minute accepted from one client address (burst: rate x limit-burst-multiplier); more answer 503.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 60000000),
});

export const limitConnections = defineAnnotation({
  key: "limit-connections",
  field: "limitConnections",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Concurrent requests in progress from one client address (1..65535, nginx's limit_conn bound); more answer 503.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 65535),
});

export const limitBurstMultiplier = defineAnnotation({
  key: "limit-burst-multiplier",
  field: "limitBurstMultiplier",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "5",
  doc: "Burst size of limit-rps / limit-rpm as a multiple of the rate.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 1000),
});

const allowlistSpec = (key: string) =>
  defineAnnotation({
    key,
    field: "limitAllowlist",
    type: "cidr list",
    scope: "ingress",
    risk: "medium",
    default: "",
    doc: `Comma-separated client addresses or CIDRs that limit-rps, limit-rpm and limit-connections do not apply to${key === "limit-whitelist" ? " (older name of limit-allowlist)" : ""}.`,
    parse: (raw, k) => parseCidrList(raw, k),
  });
export const limitAllowlist = allowlistSpec("limit-allowlist");
export const limitWhitelist = allowlistSpec("limit-whitelist");

export const limitRate = defineAnnotation({
  key: "limit-rate",
  field: "limitRate",
  type: "int",
  scope: "location",
  risk: "low",
  default: "0 (no limit)",
  doc: "Response rate per connection in kilobytes per second (limit_rate); takes effect with proxy-buffering on.",
  parse: (raw, key) => parseIntIn(raw, key, 0, 100000000),
});

export const limitRateAfter = defineAnnotation({
  key: "limit-rate-after",
  field: "limitRateAfter",
  type: "int",
  scope: "location",
  risk: "low",
  default: "0",
  doc: "Kilobytes sent at full speed before limit-rate applies (limit_rate_after).",
  parse: (raw, key) => parseIntIn(raw, key, 0, 100000000),
});
