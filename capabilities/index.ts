// The module's capabilities, in one list that pepr.ts and local mode both use.
import type { Capability } from "pepr";
import { AdmissionCapability } from "./admission.js";
import { IngressControllerCapability } from "./ingress-controller.js";
import { Watches } from "./watches.js";

export const capabilities: Capability[] = [AdmissionCapability, IngressControllerCapability, Watches];
