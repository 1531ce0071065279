// CORS (ingress-nginx's enable-cors family, its defaults): preflight OPTIONS requests are answered
// with 204 and the CORS headers; other requests get the headers added when the Origin is allowed.

import { CORS_ORIGIN, parseBool, parseIntIn, show, validateTokenList, type Result } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const CORS_DEFAULTS = {
  methods: "GET, PUT, POST, DELETE, PATCH, OPTIONS",
  headers: "DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization",
  maxAge: 1728000,
  credentials: true,
};

const HEADER = /^[A-Za-z0-9_-]{1,128}$/;

export const enableCors = defineAnnotation({
  key: "enable-cors",
  field: "enableCors",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "false",
  doc: "Answer CORS preflight requests and add CORS headers for allowed origins.",
  parse: (raw, key) => parseBool(raw, key),
});

export const corsAllowOrigin = defineAnnotation({
  key: "cors-allow-origin",
  field: "corsAllowOrigin",
  type: "origin list",
  scope: "ingress",
  risk: "medium",
  default: "*",
  doc: "Comma-separated allowed origins: scheme://host[:port], with `*.` for one subdomain label (https://*.example.com), or * for any.",
  parse: (raw, key): Result<string[]> => {
    const items = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) return { ok: false, error: `${key}: must list at least one origin (or *)` };
    if (items.includes("*")) return { ok: true, value: ["*"] };
    if (items.length > 100) return { ok: false, error: `${key}: more than 100 origins` };
    for (const o of items)
      if (!CORS_ORIGIN.test(o)) return { ok: false, error: `${key}: ${show(o)} is not an origin (scheme://host[:port], *.host, null or *)` };
    return { ok: true, value: items };
  },
});

export const corsAllowMethods = defineAnnotation({
  key: "cors-allow-methods",
  field: "corsAllowMethods",
  type: "method list",
  scope: "ingress",
  risk: "medium",
  default: CORS_DEFAULTS.methods,
  doc: "Access-Control-Allow-Methods.",
  parse: (raw, key) => validateTokenList(raw, key, /^[A-Za-z]{1,16}$/),
});

export const corsAllowHeaders = defineAnnotation({
  key: "cors-allow-headers",
  field: "corsAllowHeaders",
  type: "header list",
  scope: "ingress",
  risk: "medium",
  default: CORS_DEFAULTS.headers,
  doc: "Access-Control-Allow-Headers.",
  parse: (raw, key) => validateTokenList(raw, key, HEADER),
});

export const corsExposeHeaders = defineAnnotation({
  key: "cors-expose-headers",
  field: "corsExposeHeaders",
  type: "header list",
  scope: "ingress",
  risk: "medium",
  default: "",
  doc: "Access-Control-Expose-Headers (names or *).",
  parse: (raw, key) => validateTokenList(raw, key, /^([A-Za-z0-9_-]{1,128}|\*)$/),
});

export const corsAllowCredentials = defineAnnotation({
  key: "cors-allow-credentials",
  field: "corsAllowCredentials",
  type: "bool",
  scope: "ingress",
  risk: "low",
  default: "true",
  doc: "Send Access-Control-Allow-Credentials: true.",
  parse: (raw, key) => parseBool(raw, key),
});

export const corsMaxAge = defineAnnotation({
  key: "cors-max-age",
  field: "corsMaxAge",
  type: "int",
  scope: "ingress",
  risk: "low",
  default: String(CORS_DEFAULTS.maxAge),
  doc: "Access-Control-Max-Age in seconds.",
  parse: (raw, key) => parseIntIn(raw, key, 0, 315360000),
});
