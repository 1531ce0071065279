// Manifests for fake pods: a selector-less Service plus a hand-written EndpointSlice pointing at pod
// addresses in the pod network (the endpoint controllers are off, so nothing overwrites it).
import type { EndpointSlice, Service } from "../../core/k8s-types.js";

export interface FakeServiceOptions {
  name: string;
  namespace?: string;
  /** Service port (what an Ingress backend names). */
  port: number;
  /** Port the pods listen on (default: `port`). */
  targetPort?: number;
  portName?: string;
  protocol?: "TCP" | "UDP";
  appProtocol?: string;
  pods: { name: string; ip: string; ready?: boolean; serving?: boolean; terminating?: boolean }[];
  /** EndpointSlice name (default `<name>-portico`); use several to shard endpoints. */
  sliceName?: string;
}

export function fakeService(o: FakeServiceOptions): [Service & { apiVersion: "v1"; kind: "Service" }, EndpointSlice & { apiVersion: string; kind: string }] {
  const namespace = o.namespace ?? "default";
  const portName = o.portName ?? "http";
  const protocol = o.protocol ?? "TCP";
  const targetPort = o.targetPort ?? o.port;
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: o.name, namespace },
      spec: {
        type: "ClusterIP",
        ports: [{ name: portName, port: o.port, targetPort, protocol, ...(o.appProtocol ? { appProtocol: o.appProtocol } : {}) }],
      },
    },
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name: o.sliceName ?? `${o.name}-portico`,
        namespace,
        labels: { "kubernetes.io/service-name": o.name, "endpointslice.kubernetes.io/managed-by": "e2e.portico.dev" },
      },
      addressType: "IPv4",
      endpoints: o.pods.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: p.ready ?? true, serving: p.serving ?? p.ready ?? true, terminating: p.terminating ?? false },
        targetRef: { kind: "Pod", name: p.name, namespace },
      })),
      ports: [{ name: portName, port: targetPort, protocol, ...(o.appProtocol ? { appProtocol: o.appProtocol } : {}) }],
    },
  ];
}
