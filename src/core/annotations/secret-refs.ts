// The annotations that name a Secret, in one place: the controller keeps (and watches by name)
// exactly these Secrets, admission refuses the ones in other namespaces (but auth-tls-secret's, a
// CA bundle: public certificate data), the build reads them.

import type { AnnotationValues } from "./types.js";

/** Field of AnnotationValues -> annotation key. */
const SECRET_REFS = { authSecret: "auth-secret", authTlsSecret: "auth-tls-secret", proxySslSecret: "proxy-ssl-secret" } as const;

/** Annotations whose Secret may be in another namespace (IngressController
 * spec.crossNamespaceCASecrets, default true): they read only CA data, never a key. */
const CA_ONLY_REFS: ReadonlySet<string> = new Set(["auth-tls-secret"]);

/** The keys read of a Secret another namespace holds (what the controller keeps of it). */
export const CA_DATA_KEYS = ["ca.crt", "ca.crl"] as const;

export interface SecretRef {
  /** Annotation key without prefix. */
  key: string;
  namespace: string;
  name: string;
  /** Only CA data is read (CA_DATA_KEYS): may be another namespace's when the controller allows it. */
  caOnly: boolean;
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
    if (ref) out.push({ key, ...splitSecretRef(ref, ingressNamespace), caOnly: CA_ONLY_REFS.has(key) });
  }
  return out;
}
