// Deletes labelled objects of an older generation (an integer label below the one kept): what the
// last apply no longer produced.
import { deleteObject } from "./apply.js";
import type { Send } from "./client.js";
import { resourcePath } from "./resources.js";

export interface PruneKind {
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

export interface Pruned {
  kind: string;
  namespace?: string;
  name: string;
  generation: string;
}

interface Listed {
  items: { metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[] } }[];
}

/** `a=b,c=d,!e` from a map (an empty value means "key absent" when prefixed with "!"). */
export function selectorString(selector: Record<string, string>, without: string[] = [], notEqual: Record<string, string> = {}): string {
  return [
    ...Object.entries(selector).map(([k, v]) => `${k}=${v}`),
    ...without.map((k) => `!${k}`),
    ...Object.entries(notEqual).map(([k, v]) => `${k}!=${v}`),
  ].join(",");
}

/**
 * For each kind, lists objects matching `selector` (minus labels in `without`, minus label values in
 * `notEqual`) and deletes those
 * whose generation label is below `keepGeneration`. With `ownerUid`, only objects whose
 * ownerReferences name that uid (namespaced kinds) are touched.
 */
export async function pruneByLabel(
  send: Send,
  kinds: readonly PruneKind[],
  namespace: string | undefined,
  selector: Record<string, string>,
  generationLabel: string,
  keepGeneration: number,
  opts: { without?: string[]; notEqual?: Record<string, string>; ownerUid?: string } = {},
): Promise<Pruned[]> {
  const pruned: Pruned[] = [];
  const labelSelector = selectorString(selector, opts.without, opts.notEqual);
  for (const k of kinds) {
    const ns = k.namespaced ? namespace : undefined;
    const list = await send<Listed>("GET", resourcePath({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns }), { query: { labelSelector } });
    for (const item of list.items) {
      const gen = item.metadata.labels?.[generationLabel];
      if (gen === undefined || !/^\d+$/.test(gen) || Number(gen) >= keepGeneration) continue;
      if (opts.ownerUid && k.namespaced && !item.metadata.ownerReferences?.some((o) => o.uid === opts.ownerUid)) continue;
      if (await deleteObject(send, { apiVersion: k.apiVersion, kind: k.kind, name: item.metadata.name, namespace: item.metadata.namespace })) {
        pruned.push({ kind: k.kind, namespace: item.metadata.namespace, name: item.metadata.name, generation: gen });
      }
    }
  }
  return pruned;
}
