// portico migrate over parsed documents (pure): audits every Ingress, passes other objects
// through, and sums up. Files, folders and clusters are read by cli.ts.

import { auditIngress, type IngressAudit } from "./audit.js";
import { isIngress } from "./convert.js";

export interface SourceDocs {
  /** File path or "cluster". */
  source: string;
  docs: unknown[];
}

export interface SourceResult {
  source: string;
  audits: IngressAudit[];
  /** The documents to write: migrated Ingresses (and their extra ones) and every other object as it was. */
  output: unknown[];
  /** Parse or shape problems of the source. */
  problems: string[];
}

export interface Summary {
  sources: number;
  ingresses: number;
  migrating: number;
  snippetSources: number;
  snippetSourcesExpressible: number;
}

export function migrateSource(src: SourceDocs, className: string): SourceResult {
  const audits: IngressAudit[] = [];
  const output: unknown[] = [];
  for (const doc of src.docs) {
    if (doc && typeof doc === "object" && (doc as { kind?: string }).kind === "List" && Array.isArray((doc as { items?: unknown[] }).items)) {
      for (const item of (doc as { items: unknown[] }).items) handle(item);
    } else handle(doc);
  }
  function handle(doc: unknown) {
    if (doc === null || doc === undefined) return;
    if (!isIngress(doc)) {
      output.push(doc);
      return;
    }
    const a = auditIngress(doc, className);
    audits.push(a);
    output.push(...a.objects);
  }
  return { source: src.source, audits, output, problems: [] };
}

export function summarize(results: SourceResult[]): Summary {
  const withSnippets = results.filter((r) => r.audits.some((a) => a.annotations.some((x) => x.status.startsWith("snippet"))));
  return {
    sources: results.length,
    ingresses: results.reduce((n, r) => n + r.audits.length, 0),
    migrating: results.reduce((n, r) => n + r.audits.filter((a) => a.migrates).length, 0),
    snippetSources: withSnippets.length,
    snippetSourcesExpressible: withSnippets.filter((r) => r.audits.every((a) => a.annotations.every((x) => x.status !== "snippet-refused"))).length,
  };
}

const MARK: Record<string, string> = {
  supported: "supported",
  "different-default": "supported, different default",
  refused: "REFUSED",
  ignored: "ignored",
  "not-ingress-nginx": "ignored (ingress-nginx ignores it too)",
  "snippet-translated": "snippet -> typed",
  "snippet-refused": "snippet NOT expressible",
};

/** Human report, one block per Ingress. */
export function formatReport(results: SourceResult[], opts: { quiet?: boolean } = {}): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const p of r.problems) lines.push(`${r.source}: ${p}`);
    for (const a of r.audits) {
      if (opts.quiet && a.migrates) continue;
      lines.push(`${r.source}: Ingress ${a.namespace ? `${a.namespace}/` : ""}${a.name}: ${a.migrates ? "migrates" : "does NOT fully migrate"}`);
      for (const c of a.changes) lines.push(`  converted: ${c}`);
      for (const x of a.annotations) lines.push(`  ${x.key}: ${MARK[x.status]}${x.detail ? ` — ${x.detail}` : ""}`);
    }
  }
  const s = summarize(results);
  const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : "n/a");
  lines.push(
    "",
    `${s.migrating}/${s.ingresses} Ingresses migrate with every annotation honoured (${pct(s.migrating, s.ingresses)}); ` +
      `sources with snippets expressible by typed annotations: ${s.snippetSourcesExpressible}/${s.snippetSources} (${pct(s.snippetSourcesExpressible, s.snippetSources)})`,
  );
  return lines.join("\n") + "\n";
}
