import { show } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

const SERVICE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const customHttpErrors = defineAnnotation({
  key: "custom-http-errors",
  field: "customHttpErrors",
  type: "list",
  scope: "location",
  risk: "low",
  default: "",
  doc: "Comma-separated status codes (400..599) whose backend responses are replaced by the error backend's answer (default-backend, else the built-in one); it receives X-Code, X-Format, X-Original-URI, X-Namespace, X-Ingress-Name, X-Service-Name, X-Service-Port and X-Request-ID.",
  parse: (raw, key) => {
    const items = raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length === 0) return { ok: false, error: `${key}: must list at least one status code` };
    const codes: number[] = [];
    for (const it of items) {
      if (!/^[0-9]{3}$/.test(it) || Number(it) < 400 || Number(it) > 599) return { ok: false, error: `${key}: ${show(it)} is not a status code 400..599` };
      if (!codes.includes(Number(it))) codes.push(Number(it));
    }
    return { ok: true, value: codes.sort((a, b) => a - b) };
  },
});

export const defaultBackend = defineAnnotation({
  key: "default-backend",
  field: "defaultBackend",
  type: "service",
  scope: "ingress",
  risk: "low",
  default: "the built-in default backend",
  doc: "A Service of the Ingress's namespace (its first port) that answers custom-http-errors, and every request when a path's Service has no ready endpoint.",
  parse: (raw, key) => {
    const v = raw.trim();
    return SERVICE_NAME.test(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} is not a Service name` };
  },
});
