import { parseBool, parseIntIn, show } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

// nginx variables and literal text, e.g. "$request_uri", "$binary_remote_addr", "$arg_user$host".
// Evaluated by the Lua balancer (never written into nginx.conf): no quotes, spaces, `;` or braces.
const EXPRESSION = /^(\$[A-Za-z_][A-Za-z0-9_]*|[A-Za-z0-9._~!*'()+,=:@&%\/|-])+$/;

export const upstreamHashBy = defineAnnotation({
  key: "upstream-hash-by",
  field: "upstreamHashBy",
  type: "string",
  scope: "ingress",
  risk: "low",
  default: "",
  doc: "Consistent hashing of requests to endpoints on this nginx variable expression (e.g. `$request_uri`, `$binary_remote_addr`); adding or removing an endpoint moves only the keys of that endpoint. Applied without reload.",
  parse: (raw, key) => {
    const v = raw.trim();
    if (v.length > 256 || !EXPRESSION.test(v) || !v.includes("$")) {
      return { ok: false, error: `${key}: ${show(raw)} must be nginx variables ($name) and plain text, e.g. $request_uri` };
    }
    return { ok: true, value: v };
  },
});

export const upstreamHashBySubset = defineAnnotation({
  key: "upstream-hash-by-subset",
  field: "upstreamHashBySubset",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "With upstream-hash-by: a key maps to a subset of endpoints (upstream-hash-by-subset-size of them, in address order) instead of one, and each request goes to a random endpoint of that subset, as ingress-nginx's chashsubset balancer does. Applied without reload.",
  parse: (raw, key) => parseBool(raw, key),
});

export const upstreamHashBySubsetSize = defineAnnotation({
  key: "upstream-hash-by-subset-size",
  field: "upstreamHashBySubsetSize",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: "3",
  doc: "Endpoints per subset of upstream-hash-by-subset, 1..1024.",
  parse: (raw, key) => parseIntIn(raw, key, 1, 1024),
});
