// nginx -t refusals traced back to an Ingress. The agent reports the config it could not load and
// the line nginx named (status.refusedConfig); the build knows which Ingress each line came from
// (BuildResult.lineSources), so the controller drops that Ingress alone and publishes the rest.
// An Ingress stays dropped until it changes (its spec or annotations). Pure.

import type { BuildResult } from "../core/contract.js";
import type { Ingress } from "../core/k8s-types.js";
import { sha256 } from "../core/build.js";
import { sourceOfLine } from "../core/render/writer.js";
import type { StoredIngressController } from "./store.js";

export interface Refusal {
  hash: string;
  line: number;
  message: string;
}

export interface Exclusion {
  reason: string;
  /** What the Ingress was when it was dropped (ingressFingerprint): a change lets it back in. */
  fingerprint: string;
}

export function refusalOf(ic: StoredIngressController): Refusal | undefined {
  const r = (ic.status as { refusedConfig?: Partial<Refusal> } | undefined)?.refusedConfig;
  if (!r || typeof r.hash !== "string" || typeof r.line !== "number" || typeof r.message !== "string") return undefined;
  return { hash: r.hash, line: r.line, message: r.message };
}

/** The Ingress (namespace/name) whose lines nginx refused in this very build's config, if any. */
export function blamedIngress(refusal: Refusal | undefined, result: BuildResult): string | undefined {
  if (!refusal || refusal.hash !== result.state.hashes.config) return undefined;
  return sourceOfLine(result.lineSources, refusal.line);
}

/** "line N: <nginx's message>", without nginx's timestamp, pid and file name. */
export function refusalText(refusal: Refusal): string {
  const emerg = refusal.message.split("\n").find((l) => l.includes("[emerg]")) ?? refusal.message;
  const text = emerg.replace(/^.*?\[emerg\]\s*(\d+#\d+:\s*)?/, "").replace(/ in \S*nginx\.conf:\d+\s*$/, "");
  return `line ${refusal.line}: ${text.slice(0, 512)}`;
}

export function ingressFingerprint(ing: Ingress): string {
  return sha256(JSON.stringify([ing.metadata.annotations ?? {}, ing.spec ?? {}]));
}

/** The exclusions that still hold: their Ingress exists and has not changed since it was dropped. */
export function currentExclusions(exclusions: ReadonlyMap<string, Exclusion>, ingresses: readonly Ingress[]): Map<string, Exclusion> {
  const out = new Map<string, Exclusion>();
  if (!exclusions.size) return out;
  const byKey = new Map(ingresses.map((i) => [`${i.metadata.namespace ?? ""}/${i.metadata.name}`, i]));
  for (const [key, e] of exclusions) {
    const ing = byKey.get(key);
    if (ing && ingressFingerprint(ing) === e.fingerprint) out.set(key, e);
  }
  return out;
}

/** What the reconciler shows while Ingresses are left out (status.droppedIngresses, at most 100). */
export function droppedIngresses(result: BuildResult): string[] {
  const out = new Set<string>();
  for (const d of result.diagnostics) {
    if (d.object.kind !== "Ingress" || d.severity !== "Error") continue;
    if (d.reason !== "IngressDropped" && d.reason !== "IngressInvalid") continue;
    out.add(`${d.object.namespace ?? ""}/${d.object.name}: ${d.message}`.slice(0, 1024));
  }
  return [...out].sort().slice(0, 100);
}
