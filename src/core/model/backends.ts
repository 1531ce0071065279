// Backend resolution: Service port (number or name) -> EndpointSlice port -> ready addresses.
// Every referenced upstream gets an entry in `endpoints`, empty when nothing is ready (503).

import type { UpstreamEndpoint } from "../contract.js";
import type { EndpointSlice, IngressBackend, Service, ServicePort } from "../k8s-types.js";
import { isIpAddress, show } from "../nginx-values.js";
import { cmp } from "./classes.js";

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

export interface ServiceIndex {
  services: Map<string, Service>;
  slices: Map<string, EndpointSlice[]>;
}

export function indexServices(services: Service[], slices: EndpointSlice[]): ServiceIndex {
  const s = new Map<string, Service>();
  for (const svc of services) s.set(`${svc.metadata.namespace ?? ""}/${svc.metadata.name}`, svc);
  const e = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${slice.metadata.namespace ?? ""}/${svc}`;
    const list = e.get(key);
    if (list) list.push(slice);
    else e.set(key, [slice]);
  }
  return { services: s, slices: e };
}

export interface ResolvedBackend {
  upstream: string;
  endpoints: UpstreamEndpoint[];
  /** Present when the backend is unusable (it still gets an upstream that answers 503). */
  problem?: { reason: string; message: string };
}

export type BackendRef = { namespace: string; service: string; port: { number?: number; name?: string } };

/** Validates the shape of an Ingress backend; returns the reference or an error message. */
export function backendRef(namespace: string, backend: IngressBackend | undefined, field: string): BackendRef | string {
  if (!backend) return `${field}: missing backend`;
  if (backend.resource) return `${field}: resource backends (${show(backend.resource.kind)}) are not supported; use a Service`;
  const svc = backend.service;
  if (!svc || !svc.name) return `${field}.service.name: missing`;
  if (!DNS_LABEL.test(svc.name)) return `${field}.service.name: ${show(svc.name)} is not a valid Service name`;
  if (!DNS_LABEL.test(namespace)) return `${field}: namespace ${show(namespace)} is not valid`;
  const port = svc.port ?? {};
  if (port.number !== undefined) {
    if (!Number.isInteger(port.number) || port.number < 1 || port.number > 65535) return `${field}.service.port.number: ${port.number} is not a port`;
    return { namespace, service: svc.name, port: { number: port.number } };
  }
  if (port.name !== undefined) {
    if (!PORT_NAME.test(port.name)) return `${field}.service.port.name: ${show(port.name)} is not a valid port name`;
    return { namespace, service: svc.name, port: { name: port.name } };
  }
  return `${field}.service.port: needs a number or a name`;
}

export function upstreamNameOf(ref: BackendRef): string {
  return `${ref.namespace}-${ref.service}-${ref.port.number ?? ref.port.name}`;
}

/** Resolves one backend against the index (pure; results are cached per build by the caller). */
export function resolveBackend(ref: BackendRef, index: ServiceIndex): ResolvedBackend {
  const upstream = upstreamNameOf(ref);
  const svc = index.services.get(`${ref.namespace}/${ref.service}`);
  if (!svc) {
    return {
      upstream,
      endpoints: [],
      problem: { reason: "ServiceNotFound", message: `Service ${ref.namespace}/${ref.service} not found; requests answer 503` },
    };
  }
  if (svc.spec?.type === "ExternalName") {
    return {
      upstream,
      endpoints: [],
      problem: {
        reason: "ServiceUnsupported",
        message: `Service ${ref.namespace}/${ref.service} is ExternalName, which is not supported; requests answer 503`,
      },
    };
  }
  const svcPort: ServicePort | undefined = (svc.spec?.ports ?? []).find((p) =>
    ref.port.number !== undefined ? p.port === ref.port.number : p.name === ref.port.name,
  );
  if (!svcPort) {
    return {
      upstream,
      endpoints: [],
      problem: {
        reason: "ServicePortNotFound",
        message: `Service ${ref.namespace}/${ref.service} has no port ${ref.port.number ?? show(ref.port.name ?? "")}; requests answer 503`,
      },
    };
  }
  return { upstream, endpoints: readyEndpoints(index.slices.get(`${ref.namespace}/${ref.service}`) ?? [], svcPort.name ?? "") };
}

/** Ready addresses of the slice port named like the Service port, deduplicated and sorted. */
export function readyEndpoints(slices: EndpointSlice[], portName: string): UpstreamEndpoint[] {
  const seen = new Set<string>();
  const out: UpstreamEndpoint[] = [];
  for (const slice of slices) {
    if (slice.addressType !== "IPv4" && slice.addressType !== "IPv6") continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? "") === portName);
    if (!sp || !Number.isInteger(sp.port) || sp.port! < 1 || sp.port! > 65535) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue; // nil ready means ready (API semantics)
      for (const address of ep.addresses ?? []) {
        if (isIpAddress(address) !== slice.addressType) continue;
        const k = `${address}|${sp.port}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push({ address, port: sp.port! });
      }
    }
  }
  return out.sort((a, b) => cmp(a.address, b.address) || a.port - b.port);
}

/**
 * `<namespace>-<service>-<port>` can collide (`a-b`/`c` vs `a`/`b-c`). Colliding references are
 * named `<namespace>.<service>.<port>` instead: namespaces, Service names and port names are DNS
 * labels (no dots), so dotted names are injective and never equal a plain (dot-free) name.
 */
export class UpstreamNames {
  private byName = new Map<string, Set<string>>();
  add(ref: BackendRef): void {
    const name = upstreamNameOf(ref);
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(dottedName(ref));
  }
  nameOf(ref: BackendRef): string {
    const name = upstreamNameOf(ref);
    return (this.byName.get(name)?.size ?? 0) <= 1 ? name : dottedName(ref);
  }
}

function dottedName(ref: BackendRef): string {
  return `${ref.namespace}.${ref.service}.${ref.port.number ?? ref.port.name}`;
}

/** service-upstream: the Service's cluster IP and port as the one endpoint (kube-proxy balances). */
export function resolveServiceAddress(ref: BackendRef, index: ServiceIndex, upstream: string): ResolvedBackend {
  const r = resolveBackend(ref, index);
  if (r.problem) return { ...r, upstream };
  const svc = index.services.get(`${ref.namespace}/${ref.service}`)!;
  const port = (svc.spec?.ports ?? []).find((p) => (ref.port.number !== undefined ? p.port === ref.port.number : p.name === ref.port.name))!;
  const ip = svc.spec?.clusterIP;
  if (!ip || ip === "None" || !isIpAddress(ip)) {
    return {
      upstream,
      endpoints: [],
      problem: {
        reason: "ServiceUnsupported",
        message: `Service ${ref.namespace}/${ref.service} has no cluster IP (headless), so service-upstream cannot use it; requests answer 503`,
      },
    };
  }
  return { upstream, endpoints: [{ address: ip, port: port.port }] };
}
