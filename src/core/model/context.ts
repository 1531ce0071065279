// The shared state of one build: what processors read (snapshot, settings, service index) and the
// drafts they commit into (hosts, catch-all, TLS claims, diagnostics). Made fresh per build.

import type { AnnotationValues } from "../annotations/registry.js";
import type { CertificatePair, Diagnostic, Snapshot } from "../contract.js";
import type { ConfigMap, Ingress, IngressBackend, Secret } from "../k8s-types.js";
import type { Settings } from "../settings.js";
import { indexServices, type ServiceIndex } from "./backends.js";
import { Upstreams } from "./upstreams.js";
import type { TlsClaim } from "./processors/types.js";
import type { AccessModel, ClientCertModel, DenyRegex, HostRedirect, LocationModel, Origin } from "./types.js";

export interface ModelOptions {
  /** Ports used by the HTTP side; tcp/udp-services must not take them. */
  reservedPorts: number[];
  httpsPort: number;
  /** namespace/name -> why: Ingresses left out of this build (render or nginx -t refused them); a
   * why ending with "." is a whole sentence that says when the Ingress comes back. */
  excluded?: ReadonlyMap<string, string>;
}

export interface FallbackDraft {
  backend: IngressBackend;
  ingress: Ingress;
  ann: AnnotationValues;
  access?: AccessModel;
}

export interface HostDraft {
  /** field: where the owner declares it (spec.rules[i].http.paths[j]), for conflict messages. */
  locations: Map<string, { loc: LocationModel; owner: string; ann: AnnotationValues; field: string }>;
  tls: boolean;
  /** use-regex locations committed so far (capped per host). */
  regexPaths: number;
  appRoot?: string;
  appRootOrigin?: Origin;
  fallback?: FallbackDraft;
  /** server-alias names claimed for this host, with the Ingress that claimed them. */
  aliases?: { name: string; ingress: Ingress }[];
  /** from-to-www-redirect was set by an Ingress of this host. */
  wwwRedirect?: Ingress;
  /** host-redirects: the oldest Ingress's redirect of this host. */
  redirect?: HostRedirect;
  /** Regex deny-paths / fixed-responses of the host's Ingresses (checked before locations). */
  denyRegexes?: DenyRegex[];
  /** auth-tls-*: set by the host's oldest Ingress that asks (processors/client-certs.ts). */
  clientCerts?: ClientCertModel;
}

export class BuildContext {
  readonly settings: Settings;
  readonly diagnostics: Diagnostic[] = [];
  readonly services: ServiceIndex;
  readonly upstreams: Upstreams;
  /** "" = the default server (hostless rules). */
  readonly hosts = new Map<string, HostDraft>([["", { locations: new Map(), tls: false, regexPaths: 0 }]]);
  catchAll: FallbackDraft | undefined;
  readonly tlsClaims: TlsClaim[] = [];
  readonly certificates: Record<string, CertificatePair> = {};
  /** host ("" = default server) -> namespace and key of its oldest Ingress (processors/ownership.ts). */
  readonly hostOwners = new Map<string, { namespace: string; ingress: string }>();
  /** Every Ingress of our classes, excluded ones too: what host ownership is decided on. */
  claimants: readonly Ingress[] = [];
  private readonly sharing: ReadonlySet<string>;
  /** Files written beside nginx.conf (Model.files). */
  readonly files: Record<string, string> = {};
  private readonly secrets: Map<string, Secret>;
  private readonly configMaps: Map<string, ConfigMap>;

  constructor(
    readonly snapshot: Snapshot,
    readonly options: ModelOptions,
  ) {
    this.settings = snapshot.settings;
    this.sharing = new Set(snapshot.hostSharing ?? []);
    this.services = indexServices(snapshot.services, snapshot.endpointSlices);
    this.secrets = new Map(snapshot.secrets.map((s) => [`${s.metadata.namespace ?? ""}/${s.metadata.name}`, s]));
    this.configMaps = new Map((snapshot.configMaps ?? []).map((c) => [`${c.metadata.namespace ?? ""}/${c.metadata.name}`, c]));
    this.upstreams = new Upstreams(this.services, (ing, reason, message) => this.report(ing, reason, message));
  }

  draft(host: string): HostDraft {
    let h = this.hosts.get(host);
    if (!h) this.hosts.set(host, (h = { locations: new Map(), tls: false, regexPaths: 0 }));
    return h;
  }

  /** Whether Ingresses of `namespace` may add rules and TLS entries to hosts other namespaces own. */
  maySharehosts(namespace: string): boolean {
    return this.sharing.has("*") || this.sharing.has(namespace);
  }

  secret(namespace: string, name: string): Secret | undefined {
    return this.secrets.get(`${namespace}/${name}`);
  }

  configMap(namespace: string, name: string): ConfigMap | undefined {
    return this.configMaps.get(`${namespace}/${name}`);
  }

  report(ing: Ingress, reason: string, message: string, severity: Diagnostic["severity"] = "Warning"): void {
    this.diagnostics.push({ object: { kind: "Ingress", namespace: ing.metadata.namespace, name: ing.metadata.name }, severity, reason, message });
  }
}
