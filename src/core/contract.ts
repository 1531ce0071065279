// The seams between the pieces of Portico. Everything here is plain data: the controller builds a
// Snapshot from its store, core turns it into a DesiredState, the controller publishes it, and the
// agent applies it to nginx. Keep this file small and stable; details live beside their code.

import type { ConfigMap, EndpointSlice, Ingress, IngressClass, Secret, Service } from "./k8s-types.js";
import type { Settings } from "./settings.js";

/** Which IngressController a build is for, and the classes it serves. */
export interface ControllerIdentity {
  namespace: string;
  name: string;
  /** IngressClass names whose spec.controller is ours and whose parameters point at this controller
   * (or that have no parameters, when this is the only controller). */
  ingressClassNames: string[];
  /** Whether Ingresses without any class go to this controller (one of its classes is the default). */
  servesDefaultClass: boolean;
}

/** A consistent copy of everything the build reads. Order of arrays is irrelevant: core sorts. */
export interface Snapshot {
  controller: ControllerIdentity;
  settings: Settings;
  ingresses: Ingress[];
  ingressClasses: IngressClass[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  secrets: Secret[];
  /** `tcp-services` / `udp-services` ConfigMaps of this controller, if they exist. */
  tcpServices?: ConfigMap;
  udpServices?: ConfigMap;
  /** The ConfigMaps served Ingresses' annotations name (custom-headers, ...; annotations/config-map-refs.ts). */
  configMaps?: ConfigMap[];
  /** Namespaces whose Ingresses may add rules and TLS entries to hosts owned by another namespace
   * (IngressController spec.hostSharing.namespaces; "*" = all). Absent: hosts are not shared. */
  hostSharing?: string[];
  /** false: auth-tls-secret may name only a Secret of the Ingress's own namespace (IngressController
   * spec.crossNamespaceCASecrets). Absent: another namespace's CA data (ca.crt, ca.crl) is read. */
  crossNamespaceCASecrets?: false;
  /** The default TLS certificate Secret (spec.defaultTLSSecret), if any. */
  defaultCertificate?: Secret;
}

/** Where the rendered nginx.conf listens and how it reaches the agent. Not part of Settings because
 * it describes the pod (or the local process), not user intent. Defaults in render-options.ts. */
export interface RenderOptions {
  listenAddress: string; // "*" in a pod, 127.0.0.1 locally
  httpPort: number;
  httpsPort: number;
  /** The HTTPS port clients connect to, which the https redirect names: a pod listens on 8443 but
   * its Service (and the load balancer in front) takes 443. Absent: httpsPort (local mode). */
  publicHttpsPort?: number;
  /** 127.0.0.1 port of nginx's internal control server (Lua endpoints for the agent, /healthz, stub_status). */
  controlPort: number;
  /** Port the default backend listens on (internal server inside nginx when no external one). */
  defaultBackendPort: number;
  /** Port of the data plane's own probe endpoint (/healthz), on the pod's addresses: a server of
   * its own that no Ingress rule can reach or shadow. */
  probePort: number;
  /** With ssl-passthrough hosts, nginx's stream SNI router takes httpsPort; the HTTPS listener moves
   * to 127.0.0.1:httpsInternalPort (PROXY protocol from the router) ... */
  httpsInternalPort: number;
  /** ... and passthrough connections go through 127.0.0.1:passthroughInternalPort (which strips the
   * PROXY header and forwards the TLS bytes untouched to the backend). */
  passthroughInternalPort: number;
  /** Absolute paths of dynamic modules to load_module (Debian: /usr/lib/nginx/modules/...). */
  modules: string[];
}

export type DiagnosticSeverity = "Warning" | "Error";

/** A problem found while building; the controller turns it into an Event on `object`. */
export interface Diagnostic {
  object: { kind: "Ingress" | "Secret" | "Service" | "ConfigMap" | "IngressController"; namespace?: string; name: string };
  severity: DiagnosticSeverity;
  /** CamelCase reason, e.g. ServiceNotFound, TLSSecretInvalid, PathConflict, AnnotationInvalid. */
  reason: string;
  message: string;
}

/** One backend address as the data plane uses it. */
export interface UpstreamEndpoint {
  address: string; // IPv4 or IPv6 literal
  port: number;
}

/** The sticky cookie of `affinity: cookie` (ingress-nginx's session-cookie-* annotations). */
export interface CookieAffinity {
  /** balanced: sessions move (consistently) when endpoints change; persistent: a session keeps its endpoint while it exists. */
  mode: "balanced" | "persistent";
  name: string;
  /** Cookie Path; absent: the path of the location that answered (Prefix/Exact paths of `locations`). */
  path?: string;
  domain?: string;
  /** Seconds from now for the Expires attribute. */
  expires?: number;
  /** Seconds for the Max-Age attribute. */
  maxAge?: number;
  sameSite?: "None" | "Lax" | "Strict";
  /** Omit SameSite=None for user agents known to mishandle it. */
  conditionalSameSiteNone?: boolean;
  /** true: always Secure; false: never; absent: Secure when the request came over HTTPS. */
  secure?: boolean;
  /** After a failed attempt, pick another endpoint and rewrite the cookie (else keep retrying the sticky one). */
  changeOnFailure?: boolean;
  /** host ("" for the default server) -> Prefix/Exact paths of the Ingresses that asked for affinity:
   * the cookie is set only there, with the longest such path matching the request as its Path. */
  locations: Record<string, string[]>;
}

/** When a request of a primary upstream goes to its canary instead (precedence: header, cookie, weight). */
export interface CanaryPolicy {
  /** The canary's upstream (a key of `endpoints`). */
  upstream: string;
  /** Request header: "always" routes to the canary, "never" keeps the primary (unless headerValue/headerPattern is set). */
  header?: string;
  /** The header value that routes to the canary (instead of "always"). */
  headerValue?: string;
  /** PCRE the header value must match to route to the canary (ignored when headerValue is set). */
  headerPattern?: string;
  /** Cookie: "always" routes to the canary, "never" keeps the primary. */
  cookie?: string;
  /** Share of the remaining requests sent to the canary: weight out of weightTotal. */
  weight: number;
  weightTotal: number;
}

/**
 * How the balancer picks an endpoint of one upstream. Pushed with the endpoints (no reload), like
 * ingress-nginx's per-backend settings; upstreams without an entry use round robin.
 */
export interface UpstreamBalancing {
  /** round_robin (default) or ewma (the peer with the lower latency-weighted load of two random ones). */
  loadBalance?: "round_robin" | "ewma";
  /** Consistent hashing on this nginx variable expression (e.g. "$request_uri", "$arg_user$host"). */
  hashBy?: string;
  /** With hashBy: a key maps to a subset of this many peers, a random one of which serves each request. */
  hashSubsetSize?: number;
  /** Cookie affinity (wins over hashBy and loadBalance, as in ingress-nginx). */
  affinity?: CookieAffinity;
  canary?: CanaryPolicy;
}

/** The certificate and key (PEM) served for a host, keyed in DesiredState.certificates by an id. */
export interface CertificatePair {
  certificate: string;
  key: string;
}

/**
 * What a data plane must run. Split in three so endpoint and certificate changes never reload nginx:
 * only `config` changes cause a reload; the agent pushes `endpoints` and `certificates` into nginx
 * shared memory through the Lua control server.
 */
export interface DesiredState {
  /** Full nginx.conf text; references upstreams and certificates only by name. */
  config: string;
  /** upstream name -> ready endpoints, sorted. An empty list means 503. */
  endpoints: Record<string, UpstreamEndpoint[]>;
  /** upstream name -> balancing policy (only upstreams that are not plain round robin). Part of the
   * endpoints part: pushed with the endpoints, hashed with them, never in nginx.conf. */
  balancing?: Record<string, UpstreamBalancing>;
  /** SNI name ("foo.com" or "*.foo.com") -> certificate id. */
  sniCertificates: Record<string, string>;
  /** certificate id (stable, derived from Secret namespace/name + content hash) -> PEM pair. */
  certificates: Record<string, CertificatePair>;
  /** Files the agent writes beside nginx.conf (files/<name>): htpasswd files, CA bundles. They travel
   * with the certificates (a Secret); their names carry a content digest and nginx.conf names them,
   * so a content change is always a config change too. Absent when there are none. */
  files?: Record<string, string>;
  /** sha256 hex of each part, so writers and the agent can skip unchanged parts. */
  hashes: { config: string; endpoints: string; certificates: string; all: string };
}

/** What one build returns: the state plus data for status writers. */
export interface BuildResult {
  state: DesiredState;
  diagnostics: Diagnostic[];
  /** namespace/name of every Ingress this controller serves (gets status.loadBalancer). */
  servedIngresses: string[];
  /** Which lines of state.config came from the input of which Ingresses (1-based, inclusive;
   * innermost wins): how an `nginx -t` error at a line is traced back to them (sourcesOfLine). */
  lineSources: { start: number; end: number; sources: readonly string[] }[];
}
