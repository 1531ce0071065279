// The module's capabilities, built from one runtime (src/runtime): pepr.ts and local mode both use
// this list. The store is fed by the runtime's informers, not by Watch bindings (see
// docs/architecture.md, "One watch per kind").
// First: raises Pepr's AdmissionReview body limit before PeprModule builds its server.
import "../src/k8s/webhook-body-limit.js";
import type { Capability } from "pepr";
import { createRuntime, type Runtime } from "../src/runtime/runtime.js";
import { admissionCapability } from "./admission.js";
import { ingressControllerCapability } from "./ingress-controller.js";

export function capabilities(runtime: Runtime): Capability[] {
  return [admissionCapability(runtime.admission), ingressControllerCapability(runtime.operator)];
}

/** The bindings alone (webhook rules for local mode and tests): a runtime that never starts. */
export function bindingsOnly(): Capability[] {
  return capabilities(createRuntime({}));
}
