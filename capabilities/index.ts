// The module's capabilities, in one list that pepr.ts and local mode both use.
// First: raises Pepr's AdmissionReview body limit before PeprModule builds its server.
import "../src/k8s/webhook-body-limit.js";
import type { Capability } from "pepr";
import { AdmissionCapability } from "./admission.js";
import { IngressControllerCapability } from "./ingress-controller.js";
import { Watches } from "./watches.js";

export const capabilities: Capability[] = [AdmissionCapability, IngressControllerCapability, Watches];
