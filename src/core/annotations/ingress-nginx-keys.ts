// Every annotation key ingress-nginx (v1.15) reads, classified. Keys that control access or
// security carry what ignoring them would expose: a key of that kind that no spec implements is
// refused (admission denies it, the build drops the Ingress), never silently ignored. Implementing
// a key (adding its spec to the registry) lifts the refusal by itself; the classification stays.
// Other keys Portico does not implement only warn: the Ingress works, without them.

import { SNIPPETS } from "./snippets.js";

const AUTH = "it authenticates clients; serving the Ingress without it would publish the application without authentication";
const AUTH_HEADERS =
  "it passes the identity the authentication service returned to the backend; without it the backend would trust whatever headers the client sends";
const CLIENT_CERT = "it requires and verifies client certificates; serving the Ingress without it would accept any client";
const ADDRESS = "it limits which client addresses may connect; serving the Ingress without it would accept every address";
const WAF = "it enables the ModSecurity web application firewall; serving the Ingress without it would remove that protection";
const RATE = "it limits request rates or connections per client; serving the Ingress without it would remove the protection against floods and brute force";
const PASSTHROUGH = "it passes TLS through to the backend unterminated; serving the Ingress without it would terminate TLS at nginx with another certificate";
const CIPHERS = "it restricts the TLS ciphers of the host; serving the Ingress without it would allow ciphers the owner excluded";
const BACKEND_TLS = "it configures TLS to the backend (verification, client certificate); serving the Ingress without it would weaken that connection";

/** Key (without prefix) -> what ignoring it would expose. */
export const ACCESS_CONTROL_KEYS: Readonly<Record<string, string>> = {
  "auth-type": AUTH,
  "auth-secret": AUTH,
  "auth-secret-type": AUTH,
  "auth-realm": AUTH,
  "auth-url": AUTH,
  "auth-method": AUTH,
  "auth-signin": AUTH,
  "auth-signin-redirect-param": AUTH,
  "auth-request-redirect": AUTH,
  "auth-cache-key": AUTH,
  "auth-cache-duration": AUTH,
  "auth-keepalive": AUTH,
  "auth-keepalive-requests": AUTH,
  "auth-keepalive-share-vars": AUTH,
  "auth-keepalive-timeout": AUTH,
  "auth-proxy-set-headers": AUTH,
  "auth-always-set-cookie": AUTH,
  "auth-response-headers": AUTH_HEADERS,
  "enable-global-auth": AUTH,
  satisfy: "it decides whether authentication and the address allowlist must both pass; ignoring it could deny or allow the wrong clients",
  "auth-tls-secret": CLIENT_CERT,
  "auth-tls-verify-client": CLIENT_CERT,
  "auth-tls-verify-depth": CLIENT_CERT,
  "auth-tls-match-cn": CLIENT_CERT,
  "auth-tls-error-page": CLIENT_CERT,
  "auth-tls-pass-certificate-to-upstream": CLIENT_CERT,
  "whitelist-source-range": ADDRESS,
  "allowlist-source-range": ADDRESS,
  "denylist-source-range": ADDRESS,
  "enable-modsecurity": WAF,
  "enable-owasp-core-rules": WAF,
  "modsecurity-transaction-id": WAF,
  "limit-rps": RATE,
  "limit-rpm": RATE,
  "limit-connections": RATE,
  "limit-burst-multiplier": RATE,
  "limit-rate": RATE,
  "limit-rate-after": RATE,
  "limit-allowlist": RATE,
  "limit-whitelist": RATE,
  "ssl-passthrough": PASSTHROUGH,
  "ssl-ciphers": CIPHERS,
  "ssl-prefer-server-ciphers": CIPHERS,
  "proxy-ssl-secret": BACKEND_TLS,
  "proxy-ssl-verify": BACKEND_TLS,
  "proxy-ssl-verify-depth": BACKEND_TLS,
  "proxy-ssl-name": BACKEND_TLS,
  "proxy-ssl-server-name": BACKEND_TLS,
  "proxy-ssl-ciphers": BACKEND_TLS,
  "proxy-ssl-protocols": BACKEND_TLS,
};

/** The other keys ingress-nginx reads: behaviour and tuning, ignored with a warning when not implemented. */
export const OTHER_INGRESS_NGINX_KEYS: readonly string[] = [
  "affinity",
  "affinity-canary-behavior",
  "affinity-mode",
  "app-root",
  "backend-protocol",
  "canary",
  "canary-by-cookie",
  "canary-by-header",
  "canary-by-header-pattern",
  "canary-by-header-value",
  "canary-weight",
  "canary-weight-total",
  "client-body-buffer-size",
  "connection-proxy-header",
  "cors-allow-credentials",
  "cors-allow-headers",
  "cors-allow-methods",
  "cors-allow-origin",
  "cors-expose-headers",
  "cors-max-age",
  "custom-headers",
  "custom-http-errors",
  "default-backend",
  "disable-proxy-intercept-errors",
  "enable-access-log",
  "enable-cors",
  "enable-opentelemetry",
  "enable-rewrite-log",
  "fastcgi-index",
  "fastcgi-params-configmap",
  "force-ssl-redirect",
  "from-to-www-redirect",
  "http2-push-preload",
  "load-balance",
  "mirror-host",
  "mirror-request-body",
  "mirror-target",
  "opentelemetry-operation-name",
  "opentelemetry-trust-incoming-span",
  "permanent-redirect",
  "permanent-redirect-code",
  "preserve-trailing-slash",
  "proxy-body-size",
  "proxy-buffer-size",
  "proxy-buffering",
  "proxy-buffers-number",
  "proxy-busy-buffers-size",
  "proxy-connect-timeout",
  "proxy-cookie-domain",
  "proxy-cookie-path",
  "proxy-http-version",
  "proxy-max-temp-file-size",
  "proxy-next-upstream",
  "proxy-next-upstream-timeout",
  "proxy-next-upstream-tries",
  "proxy-read-timeout",
  "proxy-redirect-from",
  "proxy-redirect-to",
  "proxy-request-buffering",
  "proxy-send-timeout",
  "rewrite-target",
  "server-alias",
  "service-upstream",
  "session-cookie-change-on-failure",
  "session-cookie-conditional-samesite-none",
  "session-cookie-domain",
  "session-cookie-expires",
  "session-cookie-max-age",
  "session-cookie-name",
  "session-cookie-path",
  "session-cookie-samesite",
  "session-cookie-secure",
  "ssl-redirect",
  "temporal-redirect",
  "temporal-redirect-code",
  "upstream-hash-by",
  "upstream-hash-by-subset",
  "upstream-hash-by-subset-size",
  "upstream-vhost",
  "use-port-in-redirects",
  "use-regex",
  "x-forwarded-prefix",
];

/** What ignoring the key would expose, when it controls access or security. */
export function accessControlReason(key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(ACCESS_CONTROL_KEYS, key) ? ACCESS_CONTROL_KEYS[key] : undefined;
}

// Keys under ingress-nginx's prefix that ingress-nginx itself does not read (other controllers'
// annotations, ConfigMap settings written as annotations, typos): ingress-nginx ignored them too,
// so a manifest that carries them behaves the same under Portico. Each is still warned about.
const INGRESS_NGINX_KEYS = new Set([...Object.keys(ACCESS_CONTROL_KEYS), ...OTHER_INGRESS_NGINX_KEYS, ...SNIPPETS.map((s) => s.key)]);

/** Whether ingress-nginx reads the key (without prefix). */
export function isIngressNginxKey(key: string): boolean {
  return INGRESS_NGINX_KEYS.has(key);
}

// A name that suggests access control: even when ingress-nginx does not read it, the author may
// believe it protects something, so it never counts as harmless.
const ACCESS_LIKE = /auth|source-range|allow|deny|white|black|modsecurity|waf|limit|tls|ssl|cert|jwt|oidc|oauth|acl|ip-filter|satisfy|passthrough|cipher/;

/** A key ingress-nginx does not read and whose name does not suggest access control: ignoring it is what ingress-nginx did. */
export function ignoredByIngressNginxToo(key: string): boolean {
  return !isIngressNginxKey(key) && !ACCESS_LIKE.test(key);
}

const NOT_INGRESS_NGINX_HINTS: Readonly<Record<string, string>> = {
  "client-max-body-size": "use proxy-body-size (client-max-body-size is NGINX Inc.'s nginx.org/ annotation)",
  "read-timeout": "use proxy-read-timeout",
  "websocket-services":
    "nothing to set: ingress-nginx and Portico pass WebSocket upgrades on every path (websocket-services is NGINX Inc.'s nginx.org/ annotation); raise proxy-read-timeout for long-lived connections",
  "proxy-set-headers": "use portico.dev/request-headers (proxy-set-headers is a setting of ingress-nginx's controller ConfigMap, not an annotation)",
  "upstream-fail-timeout": "nothing to set: current ingress-nginx does not read it either (its Lua balancer takes endpoints out when their Pod is not ready)",
  "upstream-max-fails": "nothing to set: current ingress-nginx does not read it either (its Lua balancer takes endpoints out when their Pod is not ready)",
};

/** For a key ingress-nginx does not read, found in real manifests: what does that job. */
export function notIngressNginxHint(key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(NOT_INGRESS_NGINX_HINTS, key) ? NOT_INGRESS_NGINX_HINTS[key] : undefined;
}
