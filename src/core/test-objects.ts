// Test helper (not shipped): compact constructors for snapshots built in code.

import type { Snapshot } from "./contract.js";
import type { EndpointSlice, HTTPIngressPath, Ingress, IngressTLS, PathType, Service } from "./k8s-types.js";
import { DEFAULT_SETTINGS, type Settings } from "./settings.js";

export function path(p: string | undefined, pathType: PathType, service: string, port: number | string = 80): HTTPIngressPath {
  return { path: p, pathType, backend: { service: { name: service, port: typeof port === "number" ? { number: port } : { name: port } } } };
}

export function ingress(
  name: string,
  rules: { host?: string; paths: HTTPIngressPath[] }[],
  opts: {
    namespace?: string;
    created?: string;
    annotations?: Record<string, string>;
    tls?: IngressTLS[];
    className?: string | null;
    defaultBackend?: string;
  } = {},
): Ingress {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: {
      name,
      namespace: opts.namespace ?? "default",
      creationTimestamp: opts.created ?? "2026-01-01T00:00:00Z",
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    },
    spec: {
      ...(opts.className === null ? {} : { ingressClassName: opts.className ?? "portico" }),
      ...(opts.defaultBackend ? { defaultBackend: { service: { name: opts.defaultBackend, port: { number: 80 } } } } : {}),
      ...(opts.tls ? { tls: opts.tls } : {}),
      rules: rules.map((r) => ({ ...(r.host !== undefined ? { host: r.host } : {}), http: { paths: r.paths } })),
    },
  };
}

export function service(name: string, namespace = "default", ports: { name?: string; port: number }[] = [{ port: 80 }]): Service {
  return { metadata: { name, namespace }, spec: { ports } };
}

export function slice(serviceName: string, addresses: string[], port = 8080, namespace = "default", portName?: string): EndpointSlice {
  return {
    metadata: { name: `${serviceName}-x`, namespace, labels: { "kubernetes.io/service-name": serviceName } },
    addressType: "IPv4",
    ports: [{ port, ...(portName ? { name: portName } : {}) }],
    endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true } })),
  };
}

export function snapshot(parts: Partial<Snapshot> & { settings?: Partial<Settings> } = {}): Snapshot {
  return {
    controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false },
    ingresses: [],
    ingressClasses: [],
    services: [],
    endpointSlices: [],
    secrets: [],
    ...parts,
    settings: { ...DEFAULT_SETTINGS, ...(parts.settings ?? {}) },
  };
}
