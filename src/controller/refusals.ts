// nginx -t refusals traced back to Ingresses. The agent reports the config it could not load and
// the line nginx named (status.refusedConfig; line 0: none); the build knows which Ingresses each
// line came from (BuildResult.lineSources), so the controller drops those alone and publishes the
// rest. A refusal no Ingress's lines explain falls on the Ingresses that changed since the last
// config nginx accepted (suspects, tried again one at a time). An Ingress dropped for its own lines
// stays dropped until it changes (its spec or annotations). Pure.

import type { BuildResult } from "../core/contract.js";
import type { Ingress } from "../core/k8s-types.js";
import { sha256 } from "../core/build.js";
import { sourcesOfLine } from "../core/render/writer.js";
import type { StoredIngressController } from "./store.js";

export interface Refusal {
  hash: string;
  /** 0: nginx named no line of the config. */
  line: number;
  message: string;
}

export interface Exclusion {
  reason: string;
  /** What the Ingress was when it was dropped (ingressFingerprint): a change lets it back in. */
  fingerprint: string;
  /** Dropped because it changed with others before an unexplained refusal, not for its own lines:
   * let back in (one at a time) once the config without it is applied. */
  suspect?: boolean;
}

export function refusalOf(ic: StoredIngressController): Refusal | undefined {
  const r = (ic.status as { refusedConfig?: Partial<Refusal> } | undefined)?.refusedConfig;
  if (!r || typeof r.hash !== "string" || typeof r.line !== "number" || typeof r.message !== "string") return undefined;
  return { hash: r.hash, line: r.line, message: r.message };
}

/** The Ingresses (namespace/name) whose lines nginx refused in this very build's config ([]: none,
 * or the refusal is of another config). */
export function blamedIngresses(refusal: Refusal | undefined, result: BuildResult): readonly string[] {
  if (!refusal || refusal.hash !== result.state.hashes.config || refusal.line < 1) return [];
  return sourcesOfLine(result.lineSources, refusal.line);
}

/** The served Ingresses of `result` that are new or changed since `accepted` (key -> fingerprint of
 * the build nginx last accepted): what an unexplained refusal can be blamed on. */
export function changedSince(accepted: ReadonlyMap<string, string>, result: BuildResult, fingerprints: ReadonlyMap<string, string>): string[] {
  return result.servedIngresses.filter((key) => accepted.get(key) !== fingerprints.get(key)).sort();
}

/** "line N: <nginx's message>", without nginx's timestamp, pid and file name. */
export function refusalText(refusal: Refusal): string {
  const emerg = refusal.message.split("\n").find((l) => l.includes("[emerg]")) ?? refusal.message;
  const text = emerg.replace(/^.*?\[emerg\]\s*(\d+#\d+:\s*)?/, "").replace(/ in \S*nginx\.conf:\d+\s*$/, "");
  return `${refusal.line > 0 ? `line ${refusal.line}` : "no line named"}: ${text.slice(0, 512)}`;
}

const fingerprintCache = new WeakMap<Ingress, string>();

/** What of an Ingress the build reads (its annotations and spec), hashed; cached per object (the
 * store replaces an object when it changes). */
export function ingressFingerprint(ing: Ingress): string {
  let fp = fingerprintCache.get(ing);
  if (fp === undefined) {
    fp = sha256(JSON.stringify([ing.metadata.annotations ?? {}, ing.spec ?? {}])).slice(0, 32);
    fingerprintCache.set(ing, fp);
  }
  return fp;
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
