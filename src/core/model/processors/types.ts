// The seam every build processor plugs into. buildModel runs, for each selected Ingress (oldest
// first), every processor's `process` (staging into the Ingress's own IngressWork), then every
// `commit` (merging the staged work into the shared drafts). A throw or work.drop() in `process`
// drops that Ingress alone, with a diagnostic; nothing it staged reaches the model. `prepare` sees
// all Ingresses first (owners, upstream names); `finish` contributes to the finished model.

import type { AnnotationValues } from "../../annotations/registry.js";
import type { CertificatePair } from "../../contract.js";
import type { Ingress, IngressBackend } from "../../k8s-types.js";
import type { BuildContext } from "../context.js";
import type { AccessModel, LocationModel, Model } from "../types.js";

/** A path of one rule, ready to be merged into its host. */
export interface StagedPath {
  /** Conflict key within a host: `<match>|<path>`. */
  key: string;
  loc: LocationModel;
  /** Human description for PathConflict messages. */
  what: string;
  field: string;
}

export interface StagedRule {
  /** Normalised host; "" = hostless (the default server). */
  host: string;
  /** Index in spec.rules (for field names). */
  index: number;
  paths: StagedPath[];
}

/** A TLS entry: hosts served with TLS and the certificate id, if the Secret is usable. */
export interface TlsClaim {
  hosts: string[];
  certificate?: { id: string; pair: CertificatePair };
}

export interface StagedDefaultBackend {
  backend: IngressBackend;
  /** Rules-less Ingress: the catch-all of the default server; else the fallback of its hosts. */
  catchAll: boolean;
}

/** Everything one Ingress contributes, staged before it is committed. */
export interface IngressWork {
  readonly ingress: Ingress;
  /** namespace/name */
  readonly key: string;
  readonly namespace: string;
  ann: AnnotationValues;
  rules: StagedRule[];
  /** Distinct hosts of its surviving rules, in order of appearance. */
  ruleHosts: string[];
  tls: TlsClaim[];
  defaultBackend?: StagedDefaultBackend;
  /** Who may use the Ingress's locations (access processor). */
  access?: AccessModel;
}

/** Thrown by drop(): the whole Ingress is left out of the model, with this reason and message. */
export class DropIngress extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export function drop(reason: string, message: string): never {
  throw new DropIngress(reason, message);
}

export interface Processor {
  /** Short name, used in the diagnostic when its code throws. */
  readonly name: string;
  /** Runs first, on every selected Ingress: false leaves it out of the build entirely (the
   * processor reports why). For refusals that must not even reserve names (fail closed). */
  admit?(ctx: BuildContext, ingress: Ingress): boolean;
  prepare?(ctx: BuildContext, ingresses: readonly Ingress[]): void;
  process?(ctx: BuildContext, work: IngressWork): void;
  commit?(ctx: BuildContext, work: IngressWork): void;
  finish?(ctx: BuildContext, model: Model): void;
}
