// The model: what the data plane must do, with every Kubernetes detail resolved and every value
// validated. The renderer reads only this (never Kubernetes objects).

import type { BackendProtocol, FixedResponse, HeaderEntry } from "../annotations/types.js";
import type { CertificatePair, Diagnostic, UpstreamBalancing, UpstreamEndpoint } from "../contract.js";
import type { Size, Token, VerifyClientMode } from "../nginx-values.js";

export type MatchKind = "exact" | "prefix" | "regex";

/** Where a location came from (for diagnostics and tests). */
export interface Origin {
  namespace: string;
  name: string;
}

export type Action =
  | { kind: "proxy"; upstream: string; protocol: BackendProtocol }
  | { kind: "redirect"; code: number; url: string }
  | { kind: "notFound" }
  | { kind: "fixed"; status: number; contentType?: string; body?: string };

/** Proxy tuning of a location (proxy-* annotations); absent fields keep the http-level default. */
export interface ProxyTuning {
  bufferSize?: Size;
  buffersNumber?: number;
  buffering?: boolean;
  requestBuffering?: boolean;
  maxTempFileSize?: Size;
  clientBodyBufferSize?: Size;
  httpVersion?: "1.0" | "1.1";
  nextUpstream?: Token[];
  nextUpstreamTries?: number;
  nextUpstreamTimeout?: number;
  redirect?: { from: string; to: string };
  cookieDomain?: [string, string];
  cookiePath?: [string, string];
  /** Request headers to the backend, placeholders expanded; replace the defaults of the same name. */
  requestHeaders?: HeaderEntry[];
  hideResponseHeaders?: string[];
  responseHeaders?: HeaderEntry[];
  /** Requests lacking a non-empty value of one of these headers get 401. */
  requireRequestHeaders?: string[];
  accessLog?: boolean;
  limitRate?: number;
  limitRateAfter?: number;
  ssl?: {
    verify?: boolean;
    verifyDepth?: number;
    name?: string;
    serverName?: boolean;
    protocols?: string[];
    ciphers?: string;
    /** proxy-ssl-secret's ca.crt (Model.files): trusted instead of the image's CA bundle. */
    trustedCaFile?: string;
    /** proxy-ssl-secret's tls.crt / tls.key (Model.files): the client certificate nginx presents. */
    certificateFile?: string;
    keyFile?: string;
  };
}

/** Per-client limits of the Ingress a location belongs to (zones are declared once in Model.limitZones). */
export interface LocationLimits {
  /** Hex id of the owning Ingress; names its zones and variables. */
  id: string;
  /** limit-allowlist: client addresses the limits do not apply to. */
  allowlist: string[];
  rps?: { rate: number; burst: number };
  rpm?: { rate: number; burst: number };
  connections?: number;
}

export interface LimitZone {
  id: string;
  /** The Ingress whose limit-* annotations declare the zone. */
  origin?: Origin;
  rps?: number;
  rpm?: number;
  connections: boolean;
  /** Client addresses the limits do not apply to. */
  allowlist: string[];
}

/** custom-http-errors: codes the error backend answers, and what it is told about the request. */
export interface ErrorPages {
  codes: number[];
  /** An upstream (the default-backend annotation's Service), or nginx's own page for the code. */
  upstream?: string;
  namespace: string;
  ingress: string;
  service: string;
  port: string;
}

/** External authentication of a location (auth-url family, or settings.globalAuthUrl). */
export interface ExternalAuthModel {
  /** Validated URL that may use request variables (nginx-values urlWithVariablesToken). */
  url: string;
  method?: string;
  signin?: string;
  signinRedirectParam: string;
  responseHeaders: string[];
  requestRedirect?: string;
  alwaysSetCookie: boolean;
  /** auth-cache-key / auth-cache-duration: the subrequest's answers are cached under the key
   * (prefixed by the server's host and the auth location at render time). */
  cache?: { key: string; valid: string[] };
  /** auth-proxy-set-headers: headers of the subrequest (values may use request variables), replacing Portico's own. */
  proxySetHeaders?: HeaderEntry[];
}

export interface CorsModel {
  /** Allowed origins; ["*"] = any. */
  origins: string[];
  methods: string;
  headers: string;
  exposeHeaders?: string;
  credentials: boolean;
  maxAge: number;
}

/** Who may use a location. Checked before anything else the location does. */
export interface AccessModel {
  /** An access-control annotation could not be honoured: the location answers 503 (ingress-nginx's
   * "location denied"), so its paths are neither served unprotected nor taken over by other routes. */
  denied?: string;
  allow: string[];
  deny: string[];
  /** satisfy any: the address list or the authentication may admit the client. */
  satisfyAny: boolean;
  /** Basic authentication against an htpasswd file of Model.files. */
  basic?: { realm: string; file: string };
  external?: ExternalAuthModel;
  cors?: CorsModel;
}

/** ModSecurity on a location (enable-modsecurity and its typed settings). */
export interface WafModel {
  /** The OWASP Core Rule Set applies (enable-owasp-core-rules). */
  crs: boolean;
  transactionId?: string;
  ruleEngine?: "On" | "DetectionOnly" | "Off";
  auditEngine?: "On" | "RelevantOnly" | "Off";
  removeRuleIds?: { from: number; to: number }[];
  requestBodyLimit?: number;
  tags?: string[];
}

export interface LocationModel {
  /** Exact/prefix: the normalised path (no trailing slash except "/"); regex: the regex source. */
  path: string;
  match: MatchKind;
  /** Regex locations of ImplementationSpecific paths are case-insensitive, as in ingress-nginx. */
  caseInsensitive: boolean;
  action: Action;
  origin?: Origin;
  /** HTTP requests get a 308 to https. */
  sslRedirect: boolean;
  rewrite?: { pattern: string; target: string };
  bodySize?: Size;
  connectTimeout?: number;
  readTimeout?: number;
  sendTimeout?: number;
  proxy?: ProxyTuning;
  limits?: LocationLimits;
  errors?: ErrorPages;
  /** default-backend annotation: the upstream used when the location's own has no ready endpoint. */
  fallbackUpstream?: string;
  access?: AccessModel;
  waf?: WafModel;
  mirror?: MirrorModel;
}

/** mirror-*: each request is copied to `target` in the background (nginx `mirror`). */
export interface MirrorModel {
  /** Validated URL that may use request variables. */
  target: string;
  /** Host header of the copies (absent: the target's host). */
  host?: string;
  requestBody: boolean;
}

/** Client certificates of a host (auth-tls-*): nginx verifies them per server. */
export interface ClientCertModel {
  /** CA bundle (Model.files) client certificates must chain to. */
  caFile: string;
  /** CRL (Model.files), when the Secret has ca.crl. */
  crlFile?: string;
  verify: VerifyClientMode;
  depth: number;
  /** Where 495/496 (bad or missing certificate) go instead of nginx's 400 page. */
  errorPage?: string;
  /** Regex the subject DN must match (else 403). */
  matchCn?: string;
  /** Send the certificate to the backend in ssl-client-cert. */
  passCertificate: boolean;
  /** The Ingress whose annotations decided (the host's oldest that sets auth-tls-secret). */
  origin: Origin;
}

export interface ServerModel {
  /** Normalised host ("foo.com" or "*.foo.com"). */
  host: string;
  tls: boolean;
  locations: LocationModel[];
  /** Prefix paths are rendered as regexes when any path of the host is a regex (ingress-nginx). */
  regexMode: boolean;
  appRoot?: string;
  /** The Ingress whose app-root annotation set appRoot. */
  appRootOrigin?: Origin;
  /** What unmatched paths get (an Ingress's spec.defaultBackend, or the 404 page). */
  fallback: LocationModel;
  /** server-alias names (served by this server too), with the Ingress whose annotation names each. */
  aliases?: { name: string; origin: Origin }[];
  /** host-redirects: every request is redirected to this origin, keeping the URI. */
  redirect?: HostRedirect;
  /** Regex deny-paths / fixed-responses, checked before location selection. */
  denyRegexes?: DenyRegex[];
  /** auth-tls-*: the server listens with TLS (the default certificate if the host has none). */
  clientCerts?: ClientCertModel;
}

/** host-redirects of a host (the oldest Ingress's that sets it). */
export interface HostRedirect {
  code: number;
  target: string;
  origin: Origin;
}

/** A regex deny-path / fixed-response, with the Ingress whose annotation it is. */
export type DenyRegex = FixedResponse & { origin: Origin };

/** from-to-www-redirect: a name that only redirects to its twin host. */
export interface RedirectServerModel {
  host: string;
  tls: boolean;
  target: string;
  /** The Ingress whose from-to-www-redirect asked for it. */
  origin: Origin;
}

export interface StreamServerModel {
  protocol: "tcp" | "udp";
  port: number;
  upstream: string;
  endpoints: UpstreamEndpoint[];
  decodeProxyProtocol: boolean;
  sendProxyProtocol: boolean;
}

/** An ssl-passthrough host: TLS for it goes, unterminated, to this upstream's endpoints. */
export interface PassthroughModel {
  host: string;
  /** The Ingress whose / path passes the host's TLS through. */
  origin?: Origin;
  upstream: string;
  endpoints: UpstreamEndpoint[];
}

export interface Model {
  servers: ServerModel[];
  /** Hostless rules and the catch-all of the default server. */
  defaultServer: { locations: LocationModel[]; regexMode: boolean; fallback: LocationModel };
  endpoints: Record<string, UpstreamEndpoint[]>;
  /** Upstreams whose balancing is not plain round robin (pushed with the endpoints). */
  balancing: Record<string, UpstreamBalancing>;
  sniCertificates: Record<string, string>;
  certificates: Record<string, CertificatePair>;
  stream: StreamServerModel[];
  redirectServers?: RedirectServerModel[];
  limitZones?: LimitZone[];
  /** ssl-passthrough hosts, sorted by host (empty: no SNI router in front of HTTPS). */
  passthrough: PassthroughModel[];
  diagnostics: Diagnostic[];
  servedIngresses: string[];
  /** Files written beside nginx.conf (files/<name>): htpasswd files, CA bundles. Names carry a
   * digest of the content, so a content change is a config change. */
  files: Record<string, string>;
}
