// The address an IngressController publishes on Ingress status: the spec override, else the
// Service's load-balancer address.
export interface ServiceStatusLike {
  spec?: { type?: string };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export function publishedAddress(publishOverride: string | undefined, service: ServiceStatusLike | undefined): string | undefined {
  if (publishOverride) return publishOverride;
  const lb = service?.status?.loadBalancer?.ingress?.[0];
  return lb?.ip || lb?.hostname || undefined;
}
