// Which Ingresses are ours, as admission sees it: an IngressClass is ours when its spec.controller
// is Portico's. Classes served by the same IngressController form one "group": two Ingresses only
// conflict when they land in the same group (the same nginx). Built once per IngressClass change,
// read on every request.

import type { Ingress, IngressClass } from "../core/k8s-types.js";
import { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION, requestedClass } from "../core/classes.js";

export interface ClassView {
  /** Our class name -> group key ("<namespace>/<name>" of the IngressController, "" without parameters). */
  ours: ReadonlyMap<string, string>;
  /** Our default class (is-default-class: "true"), when there is one. */
  defaultClass?: string;
}

export const EMPTY_CLASS_VIEW: ClassView = { ours: new Map() };

function groupKey(cls: IngressClass): string {
  const p = cls.spec?.parameters;
  if (!p || p.kind !== "IngressController") return "";
  return `${p.namespace ?? ""}/${p.name}`;
}

export function buildClassView(classes: Iterable<IngressClass>): ClassView {
  const ours = new Map<string, string>();
  const defaults: string[] = [];
  for (const cls of classes) {
    if (cls.spec?.controller !== CONTROLLER_NAME || cls.metadata.deletionTimestamp) continue;
    ours.set(cls.metadata.name, groupKey(cls));
    if (cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true") defaults.push(cls.metadata.name);
  }
  return { ours, defaultClass: defaults.sort()[0] };
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
