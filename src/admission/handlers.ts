// The glue between Pepr's bindings and the pure validators: get the informer's state (waiting a
// bounded time for its first sync), build the context, run the check. The only admission code
// that touches I/O, and only through the informer.

import type { Ingress } from "../core/k8s-types.js";
import { admissionInformer, type AdmissionInformer } from "../k8s/admission-informer.js";
import { logger } from "../log.js";
import type { AdmissionContext } from "./context.js";
import { validateIngress } from "./ingress.js";
import { legacyClassToSet } from "./legacy-class.js";
import type { AdmissionRequestLike } from "./request.js";
import { validateSecret } from "./secret.js";
import type { Verdict } from "./verdict.js";

/** Longest a request waits for the informer's first list (well inside the 10 s webhook timeout). */
export const SYNC_WAIT_MS = 3000;
const log = logger("admission");

let waited = false;
let source: () => AdmissionInformer = admissionInformer;

/** Tests and the benchmark point the handlers at an informer of their own. */
export function useInformer(get: () => AdmissionInformer): void {
  source = get;
  waited = false;
}

async function context(): Promise<AdmissionContext> {
  const informer = source();
  // Only the first requests wait; if the API cannot be listed (RBAC, outage), later requests
  // proceed at once with the fail-open behaviour for conflicts instead of each waiting again.
  if (!informer.state.synced && !waited) {
    const ok = await informer.ready(SYNC_WAIT_MS);
    waited = true;
    if (!ok) log.warn("admission informer not synced; conflict checks fail open until it is");
  }
  return informer.state.context();
}

export async function admitIngress(req: AdmissionRequestLike): Promise<Verdict> {
  return validateIngress(req, await context());
}

export async function admitSecret(req: AdmissionRequestLike): Promise<Verdict> {
  return validateSecret(req, await context());
}

/** spec.ingressClassName to set on an Ingress naming our class only by the legacy annotation. */
export async function legacyClassFor(ingress: Ingress | undefined): Promise<string | undefined> {
  return legacyClassToSet(ingress, (await context()).classes);
}
