// Snapshot -> Model, by the processors of ./processors (one per concern). Ingresses are processed
// oldest first, so on a conflicting host+path the oldest wins and later ones are reported. A bad
// rule, path, backend or annotation drops only itself; a throw while processing one Ingress drops
// that Ingress alone (a diagnostic on it), never the build.

import type { Diagnostic, Snapshot } from "../contract.js";
import { cmp, keyOf, selectIngresses } from "./classes.js";
import { BuildContext, type ModelOptions } from "./context.js";
import { PROCESSORS } from "./processors/index.js";
import { DropIngress, type IngressWork, type Processor } from "./processors/types.js";
import type { Model } from "./types.js";

export type { ModelOptions } from "./context.js";
export { DEFAULT_SNI_KEY } from "./processors/tls.js";

export function buildModel(snapshot: Snapshot, options: ModelOptions, processors: readonly Processor[] = PROCESSORS): Model {
  const ctx = new BuildContext(snapshot, options);
  const excluded = options.excluded ?? new Map<string, string>();
  // Excluded Ingresses still own their hosts: a data plane refusing one must not hand its host over.
  const selected = selectIngresses(snapshot);
  ctx.claimants = selected;
  const ingresses = selected.filter((ing) => {
    const why = excluded.get(keyOf(ing));
    // A reason that is a whole sentence (ends with ".") says itself when the Ingress comes back.
    if (why !== undefined) ctx.report(ing, "IngressDropped", why.endsWith(".") ? why : `${why}; this Ingress is not served until it changes`, "Error");
    return why === undefined && processors.every((p) => p.admit?.(ctx, ing) ?? true);
  });
  for (const p of processors) p.prepare?.(ctx, ingresses);

  const served: string[] = [];
  for (const ingress of ingresses) {
    const work: IngressWork = { ingress, key: keyOf(ingress), namespace: ingress.metadata.namespace ?? "", ann: {}, rules: [], ruleHosts: [], tls: [] };
    let stage = "";
    try {
      for (const p of processors) {
        stage = p.name;
        p.process?.(ctx, work);
      }
    } catch (err) {
      const message = err instanceof DropIngress ? err.message : `processing failed in ${stage}: ${err instanceof Error ? err.message : String(err)}`;
      ctx.report(ingress, err instanceof DropIngress ? err.reason : "IngressInvalid", `${message}; this Ingress is not served`, "Error");
      continue;
    }
    for (const p of processors) p.commit?.(ctx, work);
    served.push(work.key);
  }

  const model: Model = {
    servers: [],
    defaultServer: {
      locations: [],
      regexMode: false,
      fallback: { path: "/", match: "prefix", caseInsensitive: false, action: { kind: "notFound" }, sslRedirect: false },
    },
    endpoints: {},
    balancing: {},
    sniCertificates: {},
    certificates: {},
    stream: [],
    passthrough: [],
    diagnostics: [],
    servedIngresses: [],
    files: {},
  };
  for (const p of processors) p.finish?.(ctx, model);

  return {
    ...model,
    endpoints: sortRecord(model.endpoints),
    balancing: sortRecord(model.balancing),
    sniCertificates: sortRecord(model.sniCertificates),
    certificates: sortRecord(ctx.certificates),
    files: sortRecord(ctx.files),
    diagnostics: dedupe(ctx.diagnostics),
    servedIngresses: served.sort(),
  };
}

function sortRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of ds) {
    const k = JSON.stringify(d);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      cmp(a.object.kind, b.object.kind) ||
      cmp(a.object.namespace ?? "", b.object.namespace ?? "") ||
      cmp(a.object.name, b.object.name) ||
      cmp(a.reason, b.reason) ||
      cmp(a.message, b.message),
  );
}
