import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const sslPassthrough = defineAnnotation({
  key: "ssl-passthrough",
  field: "sslPassthrough",
  type: "bool",
  scope: "ingress",
  risk: "medium",
  default: "false",
  doc: "TLS connections for this Ingress's hosts go unterminated to the backend of the host's `/` path (SNI routing in nginx's stream listener in front of HTTPS); the backend's own certificate answers. Other paths, HTTP rules and annotations of the host do not apply to TLS traffic. Endpoints of passthrough backends are static in the stream block: their changes reload nginx.",
  parse: (raw, key) => parseBool(raw, key),
});
