// An Ingress backend: a Service with a well-formed name and port. Resource backends are not
// served by Portico (as in ingress-nginx), so they are refused rather than silently ignored.

import type { IngressBackend } from "../core/k8s-types.js";
import { validateServiceName, validateServicePort } from "./names.js";

export function validateBackend(backend: IngressBackend | undefined, field: string): string[] {
  if (!backend || typeof backend !== "object") return [`${field}: is required`];
  if (backend.resource) return [`${field}.resource: resource backends are not supported by Portico; use backend.service`];
  if (!backend.service) return [`${field}.service: is required`];
  const errors: string[] = [];
  const nameErr = validateServiceName(backend.service.name, `${field}.service.name`);
  if (nameErr) errors.push(nameErr);
  const portErr = validateServicePort(backend.service.port, `${field}.service.port`);
  if (portErr) errors.push(portErr);
  return errors;
}
