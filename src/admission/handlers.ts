// The glue between Pepr's bindings and the pure validators: get the admission state (waiting a
// bounded time for its first sync), build the context, run the check. The state's source is handed
// in by the composition root (src/runtime); nothing here does I/O.

import type { Ingress } from "../core/k8s-types.js";
import type { AdmissionContext } from "./context.js";
import { validateIngress } from "./ingress.js";
import { legacyClassToSet } from "./legacy-class.js";
import type { AdmissionRequestLike } from "./request.js";
import { validateSecret } from "./secret.js";
import type { AdmissionState } from "./state.js";
import type { Verdict } from "./verdict.js";

/** Longest a request waits for the first list (well inside the 10 s webhook timeout). */
export const SYNC_WAIT_MS = 3000;

/** Where admission's state comes from: the runtime's informers (started on first use). */
export interface AdmissionSource {
  readonly state: AdmissionState;
  /** Resolves true once every kind has been listed, false after timeoutMs. Never rejects. */
  ready(timeoutMs: number): Promise<boolean>;
}

export interface AdmissionHandlers {
  admitIngress(req: AdmissionRequestLike): Promise<Verdict>;
  admitSecret(req: AdmissionRequestLike): Promise<Verdict>;
  /** spec.ingressClassName to set on an Ingress naming our class only by the legacy annotation. */
  legacyClassFor(ingress: Ingress | undefined): Promise<string | undefined>;
}

export function admissionHandlers(source: () => AdmissionSource, log: { warn(msg: string): void }): AdmissionHandlers {
  let waited = false;
  async function context(): Promise<AdmissionContext> {
    const src = source();
    // Only the first requests wait; if the API cannot be listed (RBAC, outage), later requests
    // proceed at once with the fail-open behaviour for conflicts instead of each waiting again.
    if (!src.state.synced && !waited) {
      const ok = await src.ready(SYNC_WAIT_MS);
      waited = true;
      if (!ok) log.warn("admission informer not synced; conflict checks fail open until it is");
    }
    return src.state.context();
  }
  return {
    admitIngress: async (req) => validateIngress(req, await context()),
    admitSecret: async (req) => validateSecret(req, await context()),
    legacyClassFor: async (ingress) => legacyClassToSet(ingress, (await context()).classes),
  };
}
