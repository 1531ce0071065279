// Class identity, the one rule: the class an Ingress asks for is spec.ingressClassName, else the
// legacy kubernetes.io/ingress.class annotation, else none (then the default IngressClass serves
// it). An empty name counts as none, as in ingress-nginx: `kubernetes.io/ingress.class: ""` is
// served through the default class. The build, relevance and admission all read it from here.

import type { Ingress } from "./k8s-types.js";

/** IngressClass spec.controller of Portico's classes. */
export const CONTROLLER_NAME = "portico.dev/ingress-controller";
export const LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

/** The class an Ingress asks for, or undefined when it names none (empty names count as none). */
export function requestedClass(ingress: Ingress): string | undefined {
  return ingress.spec?.ingressClassName || ingress.metadata.annotations?.[LEGACY_CLASS_ANNOTATION] || undefined;
}

/** Whether an Ingress asking for `cls` is served, given our class names and whether one is the default. */
export function classIsServed(cls: string | undefined, classNames: { has(name: string): boolean }, servesDefault: boolean): boolean {
  return cls === undefined ? servesDefault : classNames.has(cls);
}
