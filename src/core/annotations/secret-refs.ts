// The annotations that name a Secret, in one place: the controller keeps (and watches by name)
// exactly these Secrets, admission refuses the ones in other namespaces, the build reads them.

import type { AnnotationValues } from "./types.js";

/** Field of AnnotationValues -> annotation key. */
const SECRET_REFS = { authSecret: "auth-secret", authTlsSecret: "auth-tls-secret", proxySslSecret: "proxy-ssl-secret" } as const;

export interface SecretRef {
  /** Annotation key without prefix. */
  key: string;
  namespace: string;
  name: string;
}

/** "name" or "namespace/name" (as the annotation parsers validated it) -> namespace and name. */
export function splitSecretRef(ref: string, ingressNamespace: string): { namespace: string; name: string } {
  const [namespace, name] = ref.includes("/") ? (ref.split("/", 2) as [string, string]) : [ingressNamespace, ref];
  return { namespace, name };
}

/** The Secrets an Ingress's (parsed) annotations name, in any namespace. */
export function secretRefsOf(values: AnnotationValues, ingressNamespace: string): SecretRef[] {
  const out: SecretRef[] = [];
  for (const [field, key] of Object.entries(SECRET_REFS) as [keyof typeof SECRET_REFS, string][]) {
    const ref = values[field];
    if (ref) out.push({ key, ...splitSecretRef(ref, ingressNamespace) });
  }
  return out;
}
