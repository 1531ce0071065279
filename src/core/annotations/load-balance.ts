import { show } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

const ALGORITHMS = ["round_robin", "ewma"] as const;

export const loadBalance = defineAnnotation({
  key: "load-balance",
  field: "loadBalance",
  type: "enum",
  scope: "ingress",
  risk: "low",
  default: "round_robin",
  doc: "How the Lua balancer picks an endpoint: `round_robin`, or `ewma` (the lower latency-weighted load of two random endpoints). Upstream-wide, applied without reload.",
  parse: (raw, key) => {
    const v = raw.trim().toLowerCase();
    return (ALGORITHMS as readonly string[]).includes(v)
      ? { ok: true, value: v as (typeof ALGORITHMS)[number] }
      : { ok: false, error: `${key}: ${show(raw)} must be one of ${ALGORITHMS.join(", ")}` };
  },
});
