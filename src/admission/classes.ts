// Which Ingresses are ours, as admission sees it: an IngressClass is ours when its spec.controller
// is Portico's. Classes served by the same IngressController form one "group": two Ingresses only
// conflict when they land in the same group (the same nginx). Built once per IngressClass change,
// read on every request.

import type { Ingress, IngressClass } from "../core/k8s-types.js";
import { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION, requestedClass } from "../core/classes.js";
import { CROSS_NAMESPACE_CA_ANNOTATION, HOST_SHARING_ANNOTATION } from "../api/names.js";

export interface ClassView {
  /** Our class name -> group key ("<namespace>/<name>" of the IngressController, "" without parameters). */
  ours: ReadonlyMap<string, string>;
  /** Our default class (is-default-class: "true"), when there is one. */
  defaultClass?: string;
  /** Group key -> namespaces that may share hosts ("*" = all), from HOST_SHARING_ANNOTATION. */
  sharing?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Group keys whose IngressController reads CA Secrets of the Ingress's own namespace only
   * (CROSS_NAMESPACE_CA_ANNOTATION "false"). */
  ownNamespaceCa?: ReadonlySet<string>;
}

/** Whether an Ingress of `group` may name another namespace's CA Secret (auth-tls-secret). */
export function mayUseForeignCa(view: ClassView, group: string | undefined): boolean {
  return group !== undefined && !view.ownNamespaceCa?.has(group);
}

/** Whether Ingresses of `namespace` in `group` may add rules to hosts other namespaces own. */
export function mayShareHosts(view: ClassView, group: string | undefined, namespace: string): boolean {
  const set = group === undefined ? undefined : view.sharing?.get(group);
  return !!set && (set.has("*") || set.has(namespace));
}

export const EMPTY_CLASS_VIEW: ClassView = { ours: new Map() };

function groupKey(cls: IngressClass): string {
  const p = cls.spec?.parameters;
  if (!p || p.kind !== "IngressController") return "";
  return `${p.namespace ?? ""}/${p.name}`;
}

export function buildClassView(classes: Iterable<IngressClass>): ClassView {
  const ours = new Map<string, string>();
  const sharing = new Map<string, Set<string>>();
  const ownNamespaceCa = new Set<string>();
  const defaults: string[] = [];
  for (const cls of classes) {
    if (cls.spec?.controller !== CONTROLLER_NAME || cls.metadata.deletionTimestamp) continue;
    ours.set(cls.metadata.name, groupKey(cls));
    const shared = cls.metadata.annotations?.[HOST_SHARING_ANNOTATION];
    if (shared) {
      const set = sharing.get(groupKey(cls)) ?? new Set<string>();
      for (const n of shared.split(",")) if (n.trim()) set.add(n.trim());
      sharing.set(groupKey(cls), set);
    }
    if (cls.metadata.annotations?.[CROSS_NAMESPACE_CA_ANNOTATION] === "false") ownNamespaceCa.add(groupKey(cls));
    if (cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true") defaults.push(cls.metadata.name);
  }
  return { ours, defaultClass: defaults.sort()[0], sharing, ownNamespaceCa };
}

/** The class of ours that serves this Ingress, or undefined when it is another controller's. */
export function ourClassOf(ingress: Ingress, view: ClassView): string | undefined {
  const cls = requestedClass(ingress);
  if (cls === undefined) return view.defaultClass;
  return view.ours.has(cls) ? cls : undefined;
}

/** Group (IngressController) key of the Ingress, or undefined when it is not ours. */
export function groupOf(ingress: Ingress, view: ClassView): string | undefined {
  const cls = ourClassOf(ingress, view);
  return cls === undefined ? undefined : view.ours.get(cls);
}
