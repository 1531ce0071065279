// Turns build diagnostics into Events once: a diagnostic that persists across rebuilds is not
// re-emitted on every rebuild, and one that disappears may be emitted again if it comes back.

import type { Diagnostic } from "../core/contract.js";

export function diagnosticKey(d: Diagnostic): string {
  const o = d.object;
  return `${o.kind}/${o.namespace ?? ""}/${o.name}/${d.reason}/${d.message}`;
}

export class DiagnosticLedger {
  private active = new Set<string>();

  /** Returns the diagnostics not reported in the previous round, and remembers this round. */
  fresh(diagnostics: Diagnostic[]): Diagnostic[] {
    const next = new Set<string>();
    const out: Diagnostic[] = [];
    for (const d of diagnostics) {
      const key = diagnosticKey(d);
      if (next.has(key)) continue;
      next.add(key);
      if (!this.active.has(key)) out.push(d);
    }
    this.active = next;
    return out;
  }
}
