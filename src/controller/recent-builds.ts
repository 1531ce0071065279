// What the latest configs of each IngressController were built from (Ingress key -> fingerprint),
// and which of them nginx last accepted (the agent's status.appliedConfigHash): an nginx -t refusal
// that no Ingress's lines explain is blamed on what changed since then. Pure.

/** Configs remembered per controller besides the accepted one (the agent applies the latest state,
 * so the one it reports applied is nearly always among the last few published). */
const KEEP = 3;

export class RecentBuilds {
  private readonly recent = new Map<string, { hash: string; fingerprints: ReadonlyMap<string, string> }[]>();
  private readonly acceptedBy = new Map<string, { hash: string; fingerprints: ReadonlyMap<string, string> }>();

  /** Records the Ingresses config `hash` was built from (the fingerprints are read only when the
   * hash is new: a rebuild for an endpoint change costs nothing here). */
  record(controller: string, hash: string, fingerprints: () => ReadonlyMap<string, string>): void {
    const list = this.recent.get(controller) ?? [];
    if (list.some((b) => b.hash === hash)) return;
    list.unshift({ hash, fingerprints: fingerprints() });
    this.recent.set(controller, list.slice(0, KEEP));
  }

  /** The fingerprints of the config nginx accepted last (`applied`, when it is one of ours). */
  accepted(controller: string, applied: string): ReadonlyMap<string, string> | undefined {
    const hit = applied ? this.recent.get(controller)?.find((b) => b.hash === applied) : undefined;
    if (hit) this.acceptedBy.set(controller, hit);
    // Else the last one known to be accepted (the running one may be a config another controller
    // process published: comparing with an older one only blames more).
    return this.acceptedBy.get(controller)?.fingerprints;
  }
}
