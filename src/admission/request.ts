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

/** Upper bounds that keep one request's work small no matter what it carries (the build enforces
 * the same numbers; one source in core). */
export { LIMITS } from "../core/limits.js";
