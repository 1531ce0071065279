import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const sslRedirect = defineAnnotation({
  key: "ssl-redirect",
  field: "sslRedirect",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "true (settings.sslRedirect)",
  doc: 'On hosts with TLS, redirect plain HTTP requests to HTTPS with 308. Set to "false" to serve HTTP too.',
  parse: (raw, key) => parseBool(raw, key),
});
