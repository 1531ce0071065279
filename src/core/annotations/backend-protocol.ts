import { show } from "../nginx-values.js";
import { defineAnnotation, type BackendProtocol } from "./types.js";

const PROTOCOLS: BackendProtocol[] = ["HTTP", "HTTPS", "GRPC", "GRPCS"];

export const backendProtocol = defineAnnotation({
  key: "backend-protocol",
  field: "backendProtocol",
  type: "enum",
  scope: "location",
  risk: "low",
  default: "HTTP",
  doc: "Protocol spoken to the backend: HTTP, HTTPS, GRPC or GRPCS.",
  parse: (raw, key) => {
    const v = raw.trim().toUpperCase() as BackendProtocol;
    return PROTOCOLS.includes(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} must be one of ${PROTOCOLS.join(", ")}` };
  },
});
