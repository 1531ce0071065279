// The one mutation admission makes: an Ingress that names one of our classes only through the
// deprecated `kubernetes.io/ingress.class` annotation gets `spec.ingressClassName` set to the same
// name. The annotation is kept: the API server refuses the two only when they differ (on create),
// and tools that still read the annotation keep working. Nothing else is ever changed.

import type { Ingress } from "../core/k8s-types.js";
import { LEGACY_CLASS_ANNOTATION } from "../core/classes.js";
import type { ClassView } from "./classes.js";

/** The class name to set in spec.ingressClassName, or undefined when nothing must change. */
export function legacyClassToSet(ingress: Ingress | undefined, classes: ClassView): string | undefined {
  if (!ingress?.metadata || ingress.spec?.ingressClassName) return undefined;
  const legacy = ingress.metadata.annotations?.[LEGACY_CLASS_ANNOTATION];
  if (legacy === undefined || !classes.ours.has(legacy)) return undefined;
  return legacy;
}
