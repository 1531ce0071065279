// All supported annotations and the one parser admission, core and docs share.

import { appRoot } from "./app-root.js";
import { authRealm, authSecret, authSecretType, authType } from "./auth-basic.js";
import {
  authAlwaysSetCookie,
  authCacheDuration,
  authCacheKey,
  authMethod,
  authProxySetHeaders,
  authRequestRedirect,
  authResponseHeaders,
  authSignin,
  authSigninRedirectParam,
  authUrl,
  enableGlobalAuth,
} from "./auth-external.js";
import { corsAllowCredentials, corsAllowHeaders, corsAllowMethods, corsAllowOrigin, corsExposeHeaders, corsMaxAge, enableCors } from "./cors.js";
import { satisfy } from "./satisfy.js";
import { allowlistSourceRange, denylistSourceRange, whitelistSourceRange } from "./source-range.js";
import { backendProtocol } from "./backend-protocol.js";
import { canary, canaryByCookie, canaryByHeader, canaryByHeaderPattern, canaryByHeaderValue, canaryWeight, canaryWeightTotal } from "./canary.js";
import { forceSslRedirect } from "./force-ssl-redirect.js";
import { accessControlReason } from "./ingress-nginx-keys.js";
import { permanentRedirect, permanentRedirectCode } from "./permanent-redirect.js";
import { loadBalance } from "./load-balance.js";
import { proxyBodySize } from "./proxy-body-size.js";
import { proxyConnectTimeout } from "./proxy-connect-timeout.js";
import { proxyReadTimeout } from "./proxy-read-timeout.js";
import { proxySendTimeout } from "./proxy-send-timeout.js";
import { rewriteTarget } from "./rewrite-target.js";
import { SNIPPETS } from "./snippets.js";
import { SESSION_AFFINITY_ANNOTATIONS } from "./session-affinity.js";
import { sslPassthrough } from "./ssl-passthrough.js";
import { sslRedirect } from "./ssl-redirect.js";
import { temporalRedirect, temporalRedirectCode } from "./temporal-redirect.js";
import type { AnnotationSpec, AnnotationValues, RejectedAnnotationSpec } from "./types.js";
import { upstreamHashBy, upstreamHashBySubset, upstreamHashBySubsetSize } from "./upstream-hash-by.js";
import { useRegex } from "./use-regex.js";
import { clientBodyBufferSize, proxyBufferSize, proxyBuffersNumber, proxyMaxTempFileSize } from "./proxy-buffers.js";
import { proxyBuffering, proxyRequestBuffering } from "./proxy-buffering.js";
import { proxyHttpVersion } from "./proxy-http-version.js";
import { proxyNextUpstream, proxyNextUpstreamTimeout, proxyNextUpstreamTries } from "./proxy-next-upstream.js";
import { proxyRedirectFrom, proxyRedirectTo } from "./proxy-redirect.js";
import { proxyCookieDomain, proxyCookiePath } from "./proxy-cookie.js";
import { upstreamVhost } from "./upstream-vhost.js";
import { xForwardedPrefix } from "./x-forwarded-prefix.js";
import { serviceUpstream } from "./service-upstream.js";
import { customHttpErrors, defaultBackend } from "./custom-http-errors.js";
import { customHeaders } from "./custom-headers.js";
import { fromToWwwRedirect, serverAlias } from "./server-alias.js";
import { enableAccessLog } from "./enable-access-log.js";
import { proxySslCiphers, proxySslName, proxySslProtocols, proxySslSecret, proxySslServerName, proxySslVerify, proxySslVerifyDepth } from "./proxy-ssl.js";
import { AUTH_TLS_ANNOTATIONS, authTlsCrossChecks } from "./auth-tls.js";
import { limitAllowlist, limitBurstMultiplier, limitConnections, limitRate, limitRateAfter, limitRpm, limitRps, limitWhitelist } from "./rate-limits.js";
import { hideResponseHeaders, requestHeaders, requireRequestHeaders, responseHeaders } from "./response-headers.js";
import { denyPaths, fixedResponses } from "./fixed-responses.js";
import { hostRedirectCode, hostRedirects } from "./host-redirects.js";
import { MODSECURITY_ANNOTATIONS, NEEDS_MODSECURITY } from "./modsecurity.js";
import { MIRROR_ANNOTATIONS } from "./mirror.js";

export type { AnnotationSpec, AnnotationValues, AnnotationScope, AnnotationRisk, BackendProtocol } from "./types.js";

export const PREFIXES = ["nginx.ingress.kubernetes.io/", "portico.dev/"] as const;
/** Keys under this prefix win over the compatibility prefix when both are set. */
export const PREFERRED_PREFIX = "portico.dev/";

export const ANNOTATIONS: readonly AnnotationSpec[] = [
  allowlistSourceRange,
  appRoot,
  authAlwaysSetCookie,
  authCacheDuration,
  authCacheKey,
  authMethod,
  authProxySetHeaders,
  authRealm,
  authRequestRedirect,
  authResponseHeaders,
  authSecret,
  authSecretType,
  authSignin,
  authSigninRedirectParam,
  authType,
  authUrl,
  corsAllowCredentials,
  corsAllowHeaders,
  corsAllowMethods,
  corsAllowOrigin,
  corsExposeHeaders,
  corsMaxAge,
  denylistSourceRange,
  enableCors,
  enableGlobalAuth,
  satisfy,
  whitelistSourceRange,
  backendProtocol,
  canary,
  canaryByCookie,
  canaryByHeader,
  canaryByHeaderPattern,
  canaryByHeaderValue,
  canaryWeight,
  canaryWeightTotal,
  forceSslRedirect,
  loadBalance,
  permanentRedirect,
  permanentRedirectCode,
  proxyBodySize,
  proxyConnectTimeout,
  proxyReadTimeout,
  proxySendTimeout,
  rewriteTarget,
  ...SESSION_AFFINITY_ANNOTATIONS,
  sslPassthrough,
  sslRedirect,
  temporalRedirect,
  temporalRedirectCode,
  upstreamHashBy,
  upstreamHashBySubset,
  upstreamHashBySubsetSize,
  useRegex,
  // proxy and backend
  clientBodyBufferSize,
  customHeaders,
  customHttpErrors,
  defaultBackend,
  enableAccessLog,
  fromToWwwRedirect,
  proxyBufferSize,
  proxyBuffersNumber,
  proxyBuffering,
  proxyCookieDomain,
  proxyCookiePath,
  proxyHttpVersion,
  proxyMaxTempFileSize,
  proxyNextUpstream,
  proxyNextUpstreamTimeout,
  proxyNextUpstreamTries,
  proxyRedirectFrom,
  proxyRedirectTo,
  proxyRequestBuffering,
  proxySslCiphers,
  proxySslName,
  proxySslProtocols,
  proxySslSecret,
  proxySslServerName,
  proxySslVerify,
  proxySslVerifyDepth,
  serverAlias,
  serviceUpstream,
  upstreamVhost,
  xForwardedPrefix,
  // rate limits
  limitAllowlist,
  limitBurstMultiplier,
  limitConnections,
  limitRate,
  limitRateAfter,
  limitRpm,
  limitRps,
  limitWhitelist,
  // typed replacements for snippets (portico.dev/)
  denyPaths,
  fixedResponses,
  hideResponseHeaders,
  hostRedirectCode,
  hostRedirects,
  requestHeaders,
  requireRequestHeaders,
  responseHeaders,
  // client certificates
  ...AUTH_TLS_ANNOTATIONS,
  // ModSecurity
  ...MODSECURITY_ANNOTATIONS,
  // traffic mirroring
  ...MIRROR_ANNOTATIONS,
] as AnnotationSpec[];

export const REJECTED_ANNOTATIONS: readonly RejectedAnnotationSpec[] = SNIPPETS;

const BY_KEY = new Map(ANNOTATIONS.map((a) => [a.key, a]));
const REJECTED = new Map(REJECTED_ANNOTATIONS.map((a) => [a.key, a]));

/** What ignoring the key would expose when it controls access or security (ingress-nginx's keys by
 * classification, ours by their spec); undefined for other keys. */
export function guardReason(key: string): string | undefined {
  return accessControlReason(key) ?? BY_KEY.get(key)?.guards;
}

export interface AnnotationError {
  /** Full annotation key as written on the object. */
  key: string;
  message: string;
  /** The key controls access or security: the Ingress must not be served without it (fail closed). */
  dropsIngress: boolean;
}

export interface ParsedAnnotations {
  values: AnnotationValues;
  errors: AnnotationError[];
  /** Keys under our prefixes that no spec knows and that control nothing of access or security
   * (ignored; admission warns). */
  unknown: string[];
  /** Values read as "use the default", as ingress-nginx read them (`Defaulted`): admission warns. */
  warnings: AnnotationWarning[];
}

export interface AnnotationWarning {
  /** Full annotation key as written on the object. */
  key: string;
  message: string;
}

/**
 * Reads the annotations of one object. Only keys under the two prefixes are considered; a
 * `portico.dev/` key overrides the same `nginx.ingress.kubernetes.io/` key. Invalid values are
 * reported and left unset (the default applies), never partially applied.
 */
export function parseAnnotations(annotations: Record<string, string> | undefined): ParsedAnnotations {
  const values: AnnotationValues = {};
  const errors: AnnotationError[] = [];
  const unknown: string[] = [];
  const warnings: AnnotationWarning[] = [];
  const keys = annotations ? Object.keys(annotations) : [];
  if (!keys.some((k) => k.startsWith(PREFIXES[0]) || k.startsWith(PREFIXES[1]))) return { values, errors, unknown, warnings };
  const chosen = new Map<string, { fullKey: string; raw: string }>();
  for (const fullKey of keys.sort()) {
    const prefix = PREFIXES.find((p) => fullKey.startsWith(p));
    if (!prefix) continue;
    const key = fullKey.slice(prefix.length);
    const raw = String(annotations![fullKey]);
    const previous = chosen.get(key);
    if (previous && prefix !== PREFERRED_PREFIX) continue;
    chosen.set(key, { fullKey, raw });
  }
  for (const [key, { fullKey, raw }] of [...chosen].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // An invalid value of an access-control key must not fall back to "off" either; a snippet may
    // hold access rules (allow/deny, auth_request), so dropping it alone could expose the Ingress.
    const guards = guardReason(key);
    const rejected = REJECTED.get(key);
    const fail = (message: string) => errors.push({ key: fullKey, message, dropsIngress: guards !== undefined || rejected !== undefined });
    if (rejected) {
      fail(`${fullKey}: not supported: ${rejected.reason}`);
      continue;
    }
    const spec = BY_KEY.get(key);
    if (!spec) {
      if (guards) fail(`${fullKey}: not implemented by Portico, and refused rather than ignored: ${guards}`);
      else unknown.push(fullKey);
      continue;
    }
    if (raw.length > 4096) {
      fail(`${fullKey}: value longer than 4096 characters`);
      continue;
    }
    const r = spec.parse(raw, fullKey);
    if (r.ok === "default" && guards)
      fail(r.warning); // a key that guards access never falls back
    else if (r.ok === "default") warnings.push({ key: fullKey, message: r.warning });
    else if (r.ok) (values as Record<string, unknown>)[spec.field] = r.value;
    else fail(r.error);
  }
  for (const [key, message] of crossChecks(values)) {
    const fullKey = chosen.get(key)!.fullKey;
    errors.push({ key: fullKey, message: `${fullKey}: ${message}`, dropsIngress: true });
  }
  return { values, errors, unknown, warnings };
}

/** Combinations ingress-nginx would silently serve without protection: refused instead. */
function crossChecks(v: AnnotationValues): [string, string][] {
  const out: [string, string][] = [];
  if (v.authSecret !== undefined && v.authType === undefined)
    out.push(["auth-secret", 'is set without auth-type: "basic"; refused rather than serving the paths without authentication']);
  if (v.authType !== undefined && v.authSecret === undefined) out.push(["auth-type", "needs auth-secret (the htpasswd Secret)"]);
  if (v.authProxySetHeaders !== undefined && v.authUrl === undefined)
    out.push(["auth-proxy-set-headers", "needs auth-url (it sets headers of the authentication subrequest)"]);
  if (v.authCacheKey !== undefined && v.authUrl === undefined) out.push(["auth-cache-key", "needs auth-url (it caches the authentication service's answers)"]);
  if (v.authCacheDuration !== undefined && v.authCacheKey === undefined) out.push(["auth-cache-duration", "needs auth-cache-key"]);
  out.push(...authTlsCrossChecks(v));
  if (v.enableModsecurity !== true) {
    const set = v as Record<string, unknown>;
    for (const key of NEEDS_MODSECURITY) {
      const spec = BY_KEY.get(key)!;
      if (set[spec.field] !== undefined && set[spec.field] !== false)
        out.push([key, 'has no effect without enable-modsecurity: "true"; refused rather than serving the paths without the WAF the owner asked for']);
    }
  }
  return out;
}
