import { validateHostPort } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

/** Names the build replaces with the backend's own, as ingress-nginx's location variables do. */
export const BACKEND_PLACEHOLDERS = ["service_name", "namespace", "service_port"] as const;

/** Replaces $service_name, $namespace and $service_port (also written ${...}). */
export function expandBackendPlaceholders(template: string, backend: { service_name: string; namespace: string; service_port: string }): string {
  return template.replace(
    /\$(?:\{(service_name|namespace|service_port)\}|(service_name|namespace|service_port)(?![a-z_]))/g,
    (_m, a, b) => backend[(a ?? b) as keyof typeof backend],
  );
}

export const upstreamVhost = defineAnnotation({
  key: "upstream-vhost",
  field: "upstreamVhost",
  type: "host",
  scope: "location",
  risk: "low",
  default: "the request's Host",
  doc: "Host header sent to the backend, host[:port]; $service_name, $namespace and $service_port are replaced by the backend's.",
  parse: (raw, key) => {
    const v = raw.trim();
    const err = validateHostPort(expandBackendPlaceholders(v, { service_name: "svc", namespace: "ns", service_port: "80" }), key);
    return err ? { ok: false, error: err } : { ok: true, value: v };
  },
});
