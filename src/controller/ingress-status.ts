// Which Ingresses need their status.loadBalancer written or cleared. Pure: the rebuild produces
// this list, one writer applies it. Only Ingresses served by us get an address; an Ingress we gave
// an address and that left our classes has it removed; any other Ingress is never touched.

import type { Ingress } from "../core/k8s-types.js";
import { objectKey } from "./store.js";

export interface LoadBalancerIngress {
  ip?: string;
  hostname?: string;
}

export interface IngressStatusUpdate {
  namespace: string;
  name: string;
  loadBalancer: LoadBalancerIngress[];
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;

/** An address as it appears in status: IP literals as ip, anything else as hostname. */
export function toLoadBalancerIngress(address: string): LoadBalancerIngress {
  return IPV4.test(address) || address.includes(":") ? { ip: address } : { hostname: address };
}

function sameAddresses(a: LoadBalancerIngress[] | undefined, b: LoadBalancerIngress[]): boolean {
  const norm = (l: LoadBalancerIngress[]) =>
    l
      .map((x) => `${x.ip ?? ""}|${x.hostname ?? ""}`)
      .sort()
      .join(",");
  return norm(a ?? []) === norm(b);
}

/**
 * @param served namespace/name -> addresses for every Ingress a controller of ours serves
 * @param owned keys of Ingresses we have given an address before (so we may clear them)
 */
export function ingressStatusUpdates(ingresses: Ingress[], served: Map<string, string[]>, owned: ReadonlySet<string>): IngressStatusUpdate[] {
  const updates: IngressStatusUpdate[] = [];
  for (const ing of ingresses) {
    const key = objectKey(ing.metadata);
    const addresses = served.get(key);
    const current = ing.status?.loadBalancer?.ingress;
    let desired: LoadBalancerIngress[] | undefined;
    if (addresses) desired = [...new Set(addresses)].sort().map(toLoadBalancerIngress);
    else if (owned.has(key)) desired = [];
    if (desired === undefined || sameAddresses(current, desired)) continue;
    updates.push({ namespace: ing.metadata.namespace ?? "default", name: ing.metadata.name, loadBalancer: desired });
  }
  return updates.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}
