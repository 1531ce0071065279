// Upstream naming and backend resolution shared by the processors: every backend reference of
// every selected Ingress is registered first (so colliding names are known), then resolved once.

import type { Ingress, IngressBackend } from "../k8s-types.js";
import { backendRef, resolveBackend, resolveServiceAddress, UpstreamNames, type BackendRef, type ResolvedBackend, type ServiceIndex } from "./backends.js";

export class Upstreams {
  private readonly names = new UpstreamNames();
  private readonly refs = new Map<IngressBackend, BackendRef | string>();
  readonly resolved = new Map<string, ResolvedBackend>();

  constructor(
    private readonly index: ServiceIndex,
    private readonly report: (ing: Ingress, reason: string, message: string) => void,
  ) {}

  /** The validated reference of a backend, or an error message naming `field`. */
  refOf(namespace: string, b: IngressBackend, field: string): BackendRef | string {
    let r = this.refs.get(b);
    if (r === undefined) this.refs.set(b, (r = backendRef(namespace, b, "backend")));
    return typeof r === "string" ? r.replace(/^backend/, field) : r;
  }

  register(namespace: string, b: IngressBackend | undefined): void {
    if (!b) return;
    const ref = this.refOf(namespace, b, "backend");
    if (typeof ref !== "string") this.names.add(ref);
  }

  /** The upstream name for a reference, resolving it (and reporting problems on `ing`). */
  use(ing: Ingress, ref: BackendRef): string {
    const upstream = this.names.nameOf(ref);
    let r = this.resolved.get(upstream);
    if (!r) this.resolved.set(upstream, (r = resolveBackend(ref, this.index)));
    if (r.problem) this.report(ing, r.problem.reason, r.problem.message);
    return upstream;
  }

  /** service-upstream: an upstream of its own whose one endpoint is the Service's cluster IP.
   * The suffix has a '.', which no namespace, Service or port name contains: it cannot collide. */
  useServiceAddress(ing: Ingress, ref: BackendRef): string {
    const upstream = `${this.names.nameOf(ref)}.service-ip`;
    let r = this.resolved.get(upstream);
    if (!r) this.resolved.set(upstream, (r = resolveServiceAddress(ref, this.index, upstream)));
    if (r.problem) this.report(ing, r.problem.reason, r.problem.message);
    return upstream;
  }
}
