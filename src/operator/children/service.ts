// The Service in front of the NGINX pods.
import { childMeta, childNames, podSelector } from "../../api/names.js";
import type { ChildContext, Manifest } from "./types.js";

export function nginxService({ owner, spec }: ChildContext): Manifest {
  const svc = spec.service;
  const external = svc.type !== "ClusterIP";
  const port = (name: "http" | "https", port: number, nodePort?: number) => ({
    name,
    port,
    targetPort: name,
    protocol: "TCP",
    appProtocol: name,
    ...(external && nodePort ? { nodePort } : {}),
  });
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(owner, childNames(owner.name).service, "nginx", { annotations: svc.annotations }),
    spec: {
      type: svc.type,
      selector: podSelector(owner, "nginx"),
      ports: [port("http", svc.ports.http, svc.ports.httpNodePort), port("https", svc.ports.https, svc.ports.httpsNodePort)],
      ...(svc.type === "LoadBalancer" && svc.loadBalancerClass ? { loadBalancerClass: svc.loadBalancerClass } : {}),
      ...(external && svc.externalTrafficPolicy ? { externalTrafficPolicy: svc.externalTrafficPolicy } : {}),
    },
  };
}
