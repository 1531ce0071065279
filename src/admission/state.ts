// The admission side's copy of the cluster: IngressClasses, TLS Secrets and the route index,
// fed by the admission informer (src/k8s/admission-informer.ts) with list results and watch
// events. Pure and synchronous; every apply is O(size of one object).

import type { Ingress, IngressClass, Secret } from "../core/k8s-types.js";
import { CONTROLLER_NAME } from "../core/classes.js";
import { buildClassView, EMPTY_CLASS_VIEW, type ClassView } from "./classes.js";
import type { AdmissionContext } from "./context.js";
import { IngressIndex } from "./ingress-index.js";
import { TLS_SECRET_TYPE } from "./secret.js";

export const BOOTSTRAP_CLASS = "portico";
const BOOTSTRAP_VIEW = buildClassView([{ metadata: { name: BOOTSTRAP_CLASS }, spec: { controller: CONTROLLER_NAME } }]);

export type WatchedKind = "Ingress" | "IngressClass" | "Secret";
export const WATCHED_KINDS: WatchedKind[] = ["Ingress", "IngressClass", "Secret"];

type Obj = { metadata: { namespace?: string; name: string; uid?: string; resourceVersion?: string } };

function key(o: Obj): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

export class AdmissionState {
  readonly index = new IngressIndex();
  private readonly classes = new Map<string, IngressClass>();
  private readonly secrets = new Map<string, Secret>();
  private view: ClassView = EMPTY_CLASS_VIEW;
  private readonly listed = new Set<WatchedKind>();

  /** Added or modified object. */
  upsert(kind: WatchedKind, obj: Obj): void {
    if (!obj?.metadata?.name) return;
    if (kind === "Ingress") this.index.upsert(obj as Ingress);
    else if (sameVersion((kind === "IngressClass" ? this.classes : this.secrets).get(key(obj)), obj)) return;
    else if (kind === "IngressClass") {
      this.classes.set(key(obj), obj as IngressClass);
      this.view = buildClassView(this.classes.values());
    } else if ((obj as Secret).type === TLS_SECRET_TYPE) this.secrets.set(key(obj), obj as Secret);
    else this.secrets.delete(key(obj));
  }

  remove(kind: WatchedKind, obj: Obj): void {
    if (!obj?.metadata?.name) return;
    if (kind === "Ingress") this.index.remove(obj);
    else if (kind === "IngressClass") {
      this.classes.delete(key(obj));
      this.view = buildClassView(this.classes.values());
    } else this.secrets.delete(key(obj));
  }

  /** A complete list of one kind: replaces what was known (objects gone since are dropped). */
  replaceAll(kind: WatchedKind, items: Obj[]): void {
    const keep = new Set(items.map(key));
    if (kind === "Ingress") {
      for (const k of [...this.ingressKeys()]) if (!keep.has(k)) this.index.remove({ metadata: splitKey(k) });
    } else {
      const map = kind === "IngressClass" ? this.classes : this.secrets;
      for (const k of [...map.keys()]) if (!keep.has(k)) map.delete(k);
    }
    for (const item of items) this.upsert(kind, item);
    if (kind === "IngressClass") this.view = buildClassView(this.classes.values());
    this.listed.add(kind);
  }

  /** True once every watched kind has been listed completely at least once. */
  get synced(): boolean {
    return WATCHED_KINDS.every((k) => this.listed.has(k));
  }

  isListed(kind: WatchedKind): boolean {
    return this.listed.has(kind);
  }

  classView(): ClassView {
    return this.view;
  }

  context(now = new Date()): AdmissionContext {
    return {
      // Until IngressClasses are listed, the default class name is taken as ours, so a fresh
      // admission process validates the common case instead of waving everything through.
      classes: this.listed.has("IngressClass") ? this.view : BOOTSTRAP_VIEW,
      index: this.index,
      secret: (namespace, name) => this.secrets.get(`${namespace}/${name}`),
      synced: this.synced,
      now,
    };
  }

  private *ingressKeys(): Iterable<string> {
    yield* this.index.keys();
  }
}

/** A relist brings every object again: the copy already held is kept (one copy per object). */
function sameVersion(held: Obj | undefined, obj: Obj): boolean {
  return !!held?.metadata.resourceVersion && held.metadata.resourceVersion === obj.metadata.resourceVersion;
}

function splitKey(k: string): { namespace?: string; name: string } {
  const i = k.indexOf("/");
  return i < 0 ? { name: k } : { namespace: k.slice(0, i), name: k.slice(i + 1) };
}
