// Pepr 1.1.4 stamps every object a Mutate binding matched with `<uuid>.pepr.dev/<capability>:
// started|succeeded`, even when the callback changed nothing (mutate-processor.ts updateStatus).
// Admission promises that the only change it makes is spec.ingressClassName, and that Ingresses of
// other controllers leave untouched, so the stamp is suppressed for this capability's requests.
// Pure on a minimal view of Pepr's PeprMutateRequest; the e2e test checks the result on a real
// API server (no `pepr.dev/` annotation on any Ingress).

export interface StampableRequest {
  Raw: { metadata?: { annotations?: Record<string, string> } };
  Request: { object?: unknown };
  SetAnnotation: (key: string, value: string) => unknown;
}

export function isPeprStamp(key: string, capabilityName: string): boolean {
  return key.endsWith(`.pepr.dev/${capabilityName}`);
}

/** Removes the stamp Pepr set before the callback and makes it skip the one it sets after. */
export function suppressPeprStamp(req: StampableRequest, capabilityName: string): void {
  const originalMap = (req.Request.object as { metadata?: { annotations?: Record<string, string> } } | undefined)?.metadata?.annotations;
  const original = originalMap ?? {};
  const ann = req.Raw.metadata?.annotations;
  if (ann) {
    for (const key of Object.keys(ann)) if (isPeprStamp(key, capabilityName) && !(key in original)) delete ann[key];
    // Pepr created the map only for its stamp: drop it again so the object is unchanged.
    if (Object.keys(ann).length === 0 && originalMap === undefined) delete req.Raw.metadata!.annotations;
  }
  const set = req.SetAnnotation;
  req.SetAnnotation = (key: string, value: string) => (isPeprStamp(key, capabilityName) ? req : set(key, value));
}
