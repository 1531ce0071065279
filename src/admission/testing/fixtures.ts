// Plain objects for admission tests: IngressClasses, Ingresses and AdmissionRequests. Test-only.

import type { Ingress, IngressClass } from "../../core/k8s-types.js";
import type { AdmissionRequestLike, Operation } from "../request.js";

export function ourClass(name: string, opts: { isDefault?: boolean; controller?: { namespace: string; name: string } } = {}): IngressClass {
  return {
    metadata: { name, annotations: opts.isDefault ? { "ingressclass.kubernetes.io/is-default-class": "true" } : undefined },
    spec: {
      controller: "portico.dev/ingress-controller",
      parameters: opts.controller ? { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", ...opts.controller } : undefined,
    },
  };
}

export function otherClass(name: string): IngressClass {
  return { metadata: { name }, spec: { controller: "k8s.io/ingress-nginx" } };
}

export interface SimpleIngress {
  name?: string;
  namespace?: string;
  className?: string | null;
  host?: string;
  path?: string;
  pathType?: string;
  service?: string;
  port?: number | string;
  annotations?: Record<string, string>;
  tls?: { hosts?: string[]; secretName?: string }[];
}

/** One rule, one path; every field overridable. */
export function ingress(o: SimpleIngress = {}): Ingress {
  const port = typeof o.port === "string" ? { name: o.port } : { number: o.port ?? 80 };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: o.name ?? "web", namespace: o.namespace ?? "default", annotations: o.annotations },
    spec: {
      ingressClassName: o.className === null ? undefined : (o.className ?? "portico"),
      rules: [
        {
          host: o.host ?? "foo.example.com",
          http: { paths: [{ path: o.path ?? "/", pathType: (o.pathType ?? "Prefix") as "Prefix", backend: { service: { name: o.service ?? "web", port } } }] },
        },
      ],
      tls: o.tls,
    },
  };
}

export function request<T>(object: T, operation: Operation = "CREATE", oldObject?: T): AdmissionRequestLike<T> {
  const meta = (object as { metadata?: { name?: string; namespace?: string } }).metadata;
  return { uid: "u-1", operation, name: meta?.name, namespace: meta?.namespace, object, oldObject };
}
