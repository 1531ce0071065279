// The annotations that name a ConfigMap, in one place: the controller keeps (and watches by name)
// exactly these ConfigMaps, admission refuses the ones in other namespaces, the build reads them.

import { show, type Result } from "../nginx-values.js";
import type { AnnotationValues } from "./types.js";

/** Field of AnnotationValues -> annotation key. */
export const CONFIG_MAP_REFS = {
  customHeaders: "custom-headers",
  authProxySetHeaders: "auth-proxy-set-headers",
} as const satisfies Partial<Record<keyof AnnotationValues, string>>;

export interface ConfigMapRef {
  /** Annotation key without prefix. */
  key: string;
  namespace: string;
  name: string;
}

const NAME = "[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?";
const REF = new RegExp(`^(${NAME}/)?${NAME}$`);

/** "name" or "namespace/name" of a ConfigMap (DNS-1123 names). */
export function parseConfigMapRef(raw: string, key: string): Result<string> {
  const v = raw.trim();
  return REF.test(v) ? { ok: true, value: v } : { ok: false, error: `${key}: ${show(raw)} must be a ConfigMap name or namespace/name` };
}

/** The ConfigMaps an Ingress's (parsed) annotations name, in any namespace. */
export function configMapRefsOf(values: AnnotationValues, ingressNamespace: string): ConfigMapRef[] {
  const out: ConfigMapRef[] = [];
  for (const [field, key] of Object.entries(CONFIG_MAP_REFS) as [keyof typeof CONFIG_MAP_REFS, string][]) {
    const ref = values[field];
    if (!ref) continue;
    const [namespace, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [ingressNamespace, ref];
    out.push({ key, namespace, name });
  }
  return out;
}
