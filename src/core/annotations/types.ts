// The declarative shape every annotation module exports. The registry drives parsing, validation,
// admission and the generated docs from these specs; nothing else knows annotation keys.

import type { Result, Size, Token, VerifyClientMode } from "../nginx-values.js";

export type AnnotationScope = "ingress" | "location";
export type AnnotationRisk = "low" | "medium" | "high" | "critical";
export type BackendProtocol = "HTTP" | "HTTPS" | "GRPC" | "GRPCS";

/** Typed values of all supported annotations (absent = not set on the object). */
export interface AnnotationValues {
  sslRedirect?: boolean;
  forceSslRedirect?: boolean;
  rewriteTarget?: string;
  useRegex?: boolean;
  backendProtocol?: BackendProtocol;
  proxyBodySize?: Size;
  proxyConnectTimeout?: number;
  proxyReadTimeout?: number;
  proxySendTimeout?: number;
  appRoot?: string;
  permanentRedirect?: string;
  permanentRedirectCode?: number;
  temporalRedirect?: string;
  temporalRedirectCode?: number;
  // proxy and backend
  proxyBufferSize?: Size;
  proxyBuffersNumber?: number;
  proxyBuffering?: boolean;
  proxyRequestBuffering?: boolean;
  proxyMaxTempFileSize?: Size;
  proxyHttpVersion?: "1.0" | "1.1";
  proxyNextUpstream?: Token[];
  proxyNextUpstreamTries?: number;
  proxyNextUpstreamTimeout?: number;
  proxyRedirectFrom?: string;
  proxyRedirectTo?: string;
  proxyCookieDomain?: [string, string];
  proxyCookiePath?: [string, string];
  clientBodyBufferSize?: Size;
  upstreamVhost?: string;
  xForwardedPrefix?: string;
  serviceUpstream?: boolean;
  customHttpErrors?: number[];
  /** custom-headers: "name" or "namespace/name" of a ConfigMap, as written. */
  customHeaders?: string;
  mirrorTarget?: string;
  mirrorHost?: string;
  mirrorRequestBody?: boolean;
  defaultBackend?: string;
  serverAlias?: string[];
  fromToWwwRedirect?: boolean;
  enableAccessLog?: boolean;
  proxySslVerify?: boolean;
  proxySslVerifyDepth?: number;
  proxySslName?: string;
  proxySslServerName?: boolean;
  proxySslProtocols?: string[];
  proxySslCiphers?: string;
  /** "name" or "namespace/name" as written. */
  proxySslSecret?: string;
  // rate limits
  limitRps?: number;
  limitRpm?: number;
  limitConnections?: number;
  limitBurstMultiplier?: number;
  limitAllowlist?: string[];
  limitRate?: number;
  limitRateAfter?: number;
  // portico.dev typed replacements for snippets
  responseHeaders?: HeaderEntry[];
  hideResponseHeaders?: string[];
  requestHeaders?: HeaderEntry[];
  requireRequestHeaders?: string[];
  fixedResponses?: FixedResponse[];
  denyPaths?: FixedResponse[];
  hostRedirects?: HostRedirect[];
  hostRedirectCode?: number;
  // auth (basic)
  authType?: "basic";
  /** "name" or "namespace/name" as written. */
  authSecret?: string;
  authSecretType?: "auth-file" | "auth-map";
  authRealm?: string;
  // auth (external)
  authUrl?: string;
  authMethod?: string;
  authSignin?: string;
  authSigninRedirectParam?: string;
  authResponseHeaders?: string[];
  authRequestRedirect?: string;
  authAlwaysSetCookie?: boolean;
  authCacheKey?: string;
  authCacheDuration?: string[];
  /** auth-proxy-set-headers: "name" or "namespace/name" of a ConfigMap, as written. */
  authProxySetHeaders?: string;
  enableGlobalAuth?: boolean;
  satisfy?: "all" | "any";
  // access by address
  allowlistSourceRange?: string[];
  whitelistSourceRange?: string[];
  denylistSourceRange?: string[];
  // CORS
  enableCors?: boolean;
  corsAllowOrigin?: string[];
  corsAllowMethods?: string;
  corsAllowHeaders?: string;
  corsExposeHeaders?: string;
  corsAllowCredentials?: boolean;
  corsMaxAge?: number;
  affinity?: "cookie";
  affinityMode?: "balanced" | "persistent";
  affinityCanaryBehavior?: "sticky" | "legacy";
  sessionCookieName?: string;
  sessionCookiePath?: string;
  sessionCookieDomain?: string;
  sessionCookieExpires?: number;
  sessionCookieMaxAge?: number;
  sessionCookieSameSite?: "None" | "Lax" | "Strict";
  sessionCookieConditionalSameSiteNone?: boolean;
  sessionCookieSecure?: boolean;
  sessionCookieChangeOnFailure?: boolean;
  loadBalance?: "round_robin" | "ewma";
  upstreamHashBy?: string;
  upstreamHashBySubset?: boolean;
  upstreamHashBySubsetSize?: number;
  canary?: boolean;
  canaryByHeader?: string;
  canaryByHeaderValue?: string;
  canaryByHeaderPattern?: string;
  canaryByCookie?: string;
  canaryWeight?: number;
  canaryWeightTotal?: number;
  sslPassthrough?: boolean;
  // client certificates (auth-tls-*)
  /** "name" or "namespace/name" as written. */
  authTlsSecret?: string;
  authTlsVerifyClient?: VerifyClientMode;
  authTlsVerifyDepth?: number;
  authTlsErrorPage?: string;
  authTlsPassCertificateToUpstream?: boolean;
  authTlsMatchCn?: string;
  // ModSecurity (and its portico.dev typed settings)
  enableModsecurity?: boolean;
  enableOwaspCoreRules?: boolean;
  modsecurityTransactionId?: string;
  modsecurityRuleEngine?: "On" | "DetectionOnly" | "Off";
  modsecurityAuditEngine?: "On" | "RelevantOnly" | "Off";
  modsecurityRemoveRuleIds?: { from: number; to: number }[];
  modsecurityRequestBodyLimit?: number;
  modsecurityTags?: string[];
}

export interface HeaderEntry {
  name: string;
  value: string;
}

/** A path answered by nginx itself: a status, optionally a body with its content type. */
export interface FixedResponse {
  match: "exact" | "prefix" | "regex";
  /** Exact/prefix: a plain path; regex: a validated regex path (starts with '/'). */
  path: string;
  caseInsensitive: boolean;
  status: number;
  contentType?: string;
  body?: string;
}

export interface HostRedirect {
  /** A rule host of the same Ingress whose requests are redirected. */
  host: string;
  /** scheme://host[:port]; the request URI is appended. */
  target: string;
}

export interface AnnotationSpec<K extends keyof AnnotationValues = keyof AnnotationValues> {
  /** Key without prefix, e.g. "ssl-redirect". */
  key: string;
  /** Field of AnnotationValues it fills. */
  field: K;
  /** Human type for docs: bool, string, int, size, seconds, url, enum. */
  type: string;
  scope: AnnotationScope;
  risk: AnnotationRisk;
  /** Default, as documented (empty when the global setting or "off" applies). */
  default: string;
  doc: string;
  /** For keys of our own that guard access (ingress-nginx's are classified in ingress-nginx-keys.ts):
   * what ignoring an invalid value would expose; such a value then drops the Ingress (fail closed). */
  guards?: string;
  parse(raw: string, key: string): Result<NonNullable<AnnotationValues[K]>> | Defaulted;
}

/** A value ingress-nginx read as "use the default" (silently): left unset, with a warning that
 * says so and names the fix. Only for keys that guard nothing. */
export interface Defaulted {
  ok: "default";
  warning: string;
}

/** Recognised but never accepted: they would inject raw nginx configuration. */
export interface RejectedAnnotationSpec {
  key: string;
  reason: string;
}

export function defineAnnotation<K extends keyof AnnotationValues>(spec: AnnotationSpec<K>): AnnotationSpec<K> {
  return spec;
}
