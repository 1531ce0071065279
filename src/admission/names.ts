// Kubernetes name grammars for what an Ingress refers to. The API server checks these too; we check
// again so the message names the exact field, and because core turns Service names into upstream
// names. NOTE for core: if core grows its own Service/port name validation, these should move to
// src/core/nginx-values.ts and be imported from there (one rule in one place).

import { show } from "../core/nginx-values.js";

// Service names: DNS-1123 labels. Kubernetes 1.37 made RelaxedServiceNameValidation GA (default
// on since 1.36), so a Service may start with a digit; the older DNS-1035 rule would deny Ingresses
// for Services that really exist.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A Service name: DNS-1123 label (lowercase letters, digits and '-', at most 63 characters). */
export function validateServiceName(name: unknown, field: string): string | undefined {
  if (typeof name !== "string" || name === "") return `${field}: is required`;
  if (name.length > 63 || !DNS1123_LABEL.test(name)) {
    return `${field}: ${show(name)} is not a valid Service name (DNS-1123 label: lowercase letters, digits and '-', at most 63 characters, no '-' at either end)`;
  }
  return undefined;
}

/** A Service port: number 1..65535 or a port name (IANA_SVC_NAME, at most 15 characters). */
export function validateServicePort(port: { name?: unknown; number?: unknown } | undefined, field: string): string | undefined {
  if (!port || (port.name === undefined && port.number === undefined)) return `${field}: a port number or name is required`;
  if (port.name !== undefined && port.number !== undefined) return `${field}: set either number or name, not both`;
  if (port.number !== undefined) {
    const n = port.number;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 65535) return `${field}.number: ${show(String(n))} is not a port (1..65535)`;
    return undefined;
  }
  const name = port.name;
  if (typeof name !== "string" || name.length === 0 || name.length > 15 || !IANA_SVC_NAME.test(name) || name.includes("--") || !/[a-z]/.test(name)) {
    return `${field}.name: ${show(String(name))} is not a valid port name (IANA_SVC_NAME: at most 15 lowercase letters, digits and '-', at least one letter, no '--')`;
  }
  return undefined;
}

/** A Secret name: DNS-1123 subdomain. */
export function validateSecretName(name: unknown, field: string): string | undefined {
  if (typeof name !== "string" || name === "") return `${field}: is required`;
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return `${field}: ${show(name)} is not a valid Secret name (DNS-1123 subdomain)`;
  }
  return undefined;
}
