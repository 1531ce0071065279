// Backends as a cluster has them without a kubelet: echo servers as fake pods on the pod network,
// selector-less Services, and hand-written EndpointSlices naming the pods' addresses.
import type { Cluster, EchoPod } from "./cluster/index.js";

export interface BackendEndpoint {
  ip: string;
  ready?: boolean;
  pod?: string;
}

export function serviceManifest(namespace: string, name: string, opts: { port?: number; targetPort?: number; portName?: string } = {}) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { ports: [{ name: opts.portName ?? "http", port: opts.port ?? 80, targetPort: opts.targetPort ?? 8080, protocol: "TCP" }] },
  };
}

export function endpointSliceManifest(
  namespace: string,
  service: string,
  endpoints: BackendEndpoint[],
  opts: { port?: number; portName?: string; protocol?: string } = {},
) {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: {
      name: `${service}-manual`,
      namespace,
      labels: { "kubernetes.io/service-name": service, "endpointslice.kubernetes.io/managed-by": "portico-tests" },
    },
    addressType: "IPv4",
    ports: [{ name: opts.portName ?? "http", port: opts.port ?? 8080, protocol: opts.protocol ?? "TCP" }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      ...(e.pod ? { targetRef: { kind: "Pod", name: e.pod, namespace } } : {}),
    })),
  };
}

/** Applies a Service and its EndpointSlice for running echo pods. */
export async function exposePods(cluster: Cluster, namespace: string, service: string, pods: EchoPod[], notReady: EchoPod[] = []): Promise<void> {
  const eps = [...pods.map((p) => ({ ip: p.ip, pod: p.pod.name })), ...notReady.map((p) => ({ ip: p.ip, pod: p.pod.name, ready: false }))];
  await cluster.apply([
    serviceManifest(namespace, service, { targetPort: pods[0]?.port ?? 8080 }),
    endpointSliceManifest(namespace, service, eps, { port: pods[0]?.port ?? 8080 }),
  ]);
}

export function ingressManifest(namespace: string, name: string, spec: object, annotations?: Record<string, string>) {
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec };
}

export function prefixRule(host: string | undefined, paths: [string, string][]) {
  return {
    ...(host ? { host } : {}),
    http: { paths: paths.map(([path, service]) => ({ path, pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } })) },
  };
}
