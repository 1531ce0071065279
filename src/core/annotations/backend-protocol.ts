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
  doc: "Protocol spoken to the backend: HTTP, HTTPS, GRPC or GRPCS (any case). FCGI and AUTO_HTTP are refused with the reason.",
  parse: (raw, key) => {
    const v = raw.trim().toUpperCase() as BackendProtocol;
    if (v === ("FCGI" as string))
      return {
        ok: false,
        error: `${key}: FCGI is not supported: Portico proxies HTTP, HTTPS and gRPC; put an HTTP server (or php-fpm behind one) in front of the FastCGI backend`,
      };
    if (v === ("AUTO_HTTP" as string))
      return { ok: false, error: `${key}: AUTO_HTTP is not supported: say HTTP or HTTPS (Portico does not pick the backend protocol from the client's)` };
    return PROTOCOLS.includes(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} must be one of ${PROTOCOLS.join(", ")}` };
  },
});
