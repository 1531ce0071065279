import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const forceSslRedirect = defineAnnotation({
  key: "force-ssl-redirect",
  field: "forceSslRedirect",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "false",
  doc: "Redirect HTTP to HTTPS (308) even when the Ingress has no TLS section (TLS terminated in front).",
  parse: (raw, key) => parseBool(raw, key),
});
