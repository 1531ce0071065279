// The part of a Kubernetes AdmissionRequest the validators read. Pepr's request type is structurally
// compatible; tests pass plain objects.

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionRequestLike<T = unknown> {
  uid?: string;
  operation: Operation;
  kind?: { group: string; version: string; kind: string };
  namespace?: string;
  name?: string;
  object?: T;
  oldObject?: T;
  dryRun?: boolean;
}

/** Upper bounds that keep one request's work small no matter what it carries. The API server
 * already caps a whole object near 1.5 MiB; these bound the per-item loops below that. */
export const LIMITS = {
  /** rules x paths of one Ingress */
  paths: 5000,
  rules: 1000,
  tls: 500,
  tlsHosts: 1000,
  /** PEM text of tls.crt / tls.key (a long chain is a few tens of KiB) */
  pemBytes: 256 * 1024,
} as const;

/** "name" or the generateName prefix, for messages about objects not yet named. */
export function displayName(meta: { name?: string; generateName?: string } | undefined): string {
  return meta?.name || (meta?.generateName ? `${meta.generateName}<generated>` : "<unnamed>");
}
