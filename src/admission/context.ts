// What the validators may read besides the request: the current IngressClasses, the route index,
// the TLS Secrets, and the time. Built per request by the admission state; all lookups are O(1).

import type { Secret } from "../core/k8s-types.js";
import type { ClassView } from "./classes.js";
import type { IngressIndex } from "./ingress-index.js";

export interface AdmissionContext {
  classes: ClassView;
  index: IngressIndex;
  /** A TLS Secret (type kubernetes.io/tls) from the informer, if it exists. */
  secret(namespace: string, name: string): Secret | undefined;
  /** False until Ingresses and Secrets are listed: conflict and Secret-existence checks are then
   * skipped with a warning (fail open for those only; syntax checks never depend on it). */
  synced: boolean;
  now: Date;
}
