// Manifest conversion (pure): extensions/v1beta1 and networking.k8s.io/v1beta1 Ingresses become
// networking.k8s.io/v1 (serviceName/servicePort -> service.name/port, spec.backend ->
// spec.defaultBackend, a missing pathType -> ImplementationSpecific, which is what v1beta1 meant),
// and the class is rewritten to Portico's (spec.ingressClassName; the legacy annotation removed).

import type { Ingress } from "../core/k8s-types.js";

export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
const OLD_VERSIONS = ["extensions/v1beta1", "networking.k8s.io/v1beta1"];

type Json = Record<string, unknown>;

export interface Conversion {
  ingress: Ingress;
  /** What was changed, in words, for the report. */
  changes: string[];
}

export function isIngress(doc: unknown): doc is Json {
  return !!doc && typeof doc === "object" && (doc as Json).kind === "Ingress" && typeof (doc as Json).apiVersion === "string";
}

function convertBackend(b: Json | undefined, field: string, changes: string[]): Json | undefined {
  if (!b || typeof b !== "object") return b;
  if (b.serviceName === undefined && b.servicePort === undefined) return b;
  const port = b.servicePort;
  const out: Json = {
    service: { name: b.serviceName, port: typeof port === "number" || /^[0-9]+$/.test(String(port)) ? { number: Number(port) } : { name: String(port) } },
  };
  if (b.resource) out.resource = b.resource;
  changes.push(`${field}: serviceName/servicePort -> service.name/port`);
  return out;
}

/** Converts one Ingress (any supported version) to v1 with the given class. The input is not modified. */
export function convertIngress(doc: Json, className: string): Conversion {
  const changes: string[] = [];
  const ing = structuredClone(doc) as Json;
  const spec = ((ing.spec as Json | undefined) ?? {}) as Json;
  if (OLD_VERSIONS.includes(String(ing.apiVersion))) {
    changes.push(`apiVersion ${ing.apiVersion} -> networking.k8s.io/v1`);
    ing.apiVersion = "networking.k8s.io/v1";
    if (spec.backend) {
      spec.defaultBackend = convertBackend(spec.backend as Json, "spec.backend", changes);
      delete spec.backend;
      changes.push("spec.backend -> spec.defaultBackend");
    }
    ((spec.rules as Json[] | undefined) ?? []).forEach((r, ri) => {
      (((r.http as Json | undefined)?.paths as Json[] | undefined) ?? []).forEach((p, pi) => {
        const field = `spec.rules[${ri}].http.paths[${pi}]`;
        p.backend = convertBackend(p.backend as Json, `${field}.backend`, changes);
        if (p.pathType === undefined) {
          p.pathType = "ImplementationSpecific";
          changes.push(`${field}.pathType: ImplementationSpecific (v1beta1's meaning of a missing pathType)`);
        }
      });
    });
  }
  const meta = ((ing.metadata as Json | undefined) ?? {}) as Json;
  const annotations = meta.annotations as Record<string, string> | undefined;
  const legacy = annotations?.[LEGACY_CLASS_ANNOTATION];
  if (legacy !== undefined) {
    delete annotations![LEGACY_CLASS_ANNOTATION];
    changes.push(`annotation ${LEGACY_CLASS_ANNOTATION}: ${legacy} removed`);
  }
  const before = spec.ingressClassName ?? legacy;
  if (before !== className) changes.push(`class ${before === undefined ? "(default)" : before} -> ${className}`);
  spec.ingressClassName = className;
  ing.spec = spec;
  return { ingress: ing as unknown as Ingress, changes };
}
