// Fail closed: no annotation key ingress-nginx reads that controls access or security can be
// silently ignored. Each is either implemented (parsed into a value), or refused with its name and
// the reason; admission denies the refusal and the build drops the Ingress with an Event.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";
import { ANNOTATIONS, parseAnnotations, REJECTED_ANNOTATIONS } from "./registry.js";
import { ACCESS_CONTROL_KEYS, ignoredByIngressNginxToo, OTHER_INGRESS_NGINX_KEYS } from "./ingress-nginx-keys.js";

const N = "nginx.ingress.kubernetes.io/";

// The annotation keys of ingress-nginx v1.15.1 (its annotation parsers and annotations.md), kept
// here independently of the classification so that a key left unclassified fails the test.
const INGRESS_NGINX_V1_15_KEYS = `affinity affinity-canary-behavior affinity-mode allowlist-source-range app-root auth-always-set-cookie
auth-cache-duration auth-cache-key auth-keepalive auth-keepalive-requests auth-keepalive-share-vars auth-keepalive-timeout auth-method
auth-proxy-set-headers auth-realm auth-request-redirect auth-response-headers auth-secret auth-secret-type auth-signin
auth-signin-redirect-param auth-snippet auth-tls-error-page auth-tls-match-cn auth-tls-pass-certificate-to-upstream auth-tls-secret
auth-tls-verify-client auth-tls-verify-depth auth-type auth-url backend-protocol canary canary-by-cookie canary-by-header
canary-by-header-pattern canary-by-header-value canary-weight canary-weight-total client-body-buffer-size configuration-snippet
connection-proxy-header cors-allow-credentials cors-allow-headers cors-allow-methods cors-allow-origin cors-expose-headers cors-max-age
custom-headers custom-http-errors default-backend denylist-source-range disable-proxy-intercept-errors enable-access-log enable-cors
enable-global-auth enable-modsecurity enable-opentelemetry enable-owasp-core-rules enable-rewrite-log fastcgi-index
fastcgi-params-configmap force-ssl-redirect from-to-www-redirect http2-push-preload limit-allowlist limit-burst-multiplier
limit-connections limit-rate limit-rate-after limit-rpm limit-rps limit-whitelist load-balance mirror-host mirror-request-body
mirror-target modsecurity-snippet modsecurity-transaction-id opentelemetry-operation-name opentelemetry-trust-incoming-span
permanent-redirect permanent-redirect-code preserve-trailing-slash proxy-body-size proxy-buffer-size proxy-buffering
proxy-buffers-number proxy-busy-buffers-size proxy-connect-timeout proxy-cookie-domain proxy-cookie-path proxy-http-version
proxy-max-temp-file-size proxy-next-upstream proxy-next-upstream-timeout proxy-next-upstream-tries proxy-read-timeout
proxy-redirect-from proxy-redirect-to proxy-request-buffering proxy-send-timeout proxy-ssl-ciphers proxy-ssl-name proxy-ssl-protocols
proxy-ssl-secret proxy-ssl-server-name proxy-ssl-verify proxy-ssl-verify-depth rewrite-target satisfy server-alias server-snippet
service-upstream session-cookie-change-on-failure session-cookie-conditional-samesite-none session-cookie-domain
session-cookie-expires session-cookie-max-age session-cookie-name session-cookie-path session-cookie-samesite session-cookie-secure
ssl-ciphers ssl-passthrough ssl-prefer-server-ciphers ssl-redirect stream-snippet temporal-redirect temporal-redirect-code
upstream-hash-by upstream-hash-by-subset upstream-hash-by-subset-size upstream-vhost use-port-in-redirects use-regex
whitelist-source-range x-forwarded-prefix`
  .split(/\s+/)
  .filter(Boolean);

// Values that no access-control spec should accept, so every key yields an error whether or not
// it is implemented (an implemented key must refuse a garbage value rather than fall back to off).
const GARBAGE = '"}; allow all; #';

describe("fail closed", () => {
  test("every ingress-nginx key is classified: access control, snippet, or other", () => {
    const snippets = new Set(REJECTED_ANNOTATIONS.map((r) => r.key));
    const access = new Set(Object.keys(ACCESS_CONTROL_KEYS));
    const other = new Set(OTHER_INGRESS_NGINX_KEYS);
    for (const key of INGRESS_NGINX_V1_15_KEYS) {
      const classes = [access.has(key), snippets.has(key), other.has(key)].filter(Boolean).length;
      assert.equal(classes, 1, `${key}: classified ${classes} times (access control, snippet, other)`);
    }
    for (const key of [...access, ...other]) assert.ok(INGRESS_NGINX_V1_15_KEYS.includes(key), `${key} is not an ingress-nginx key`);
  });

  test("no access-control key is ever silently ignored: it parses, or it is refused with its name and reason", () => {
    const implemented = new Set(ANNOTATIONS.map((a) => a.key));
    for (const key of Object.keys(ACCESS_CONTROL_KEYS)) {
      for (const value of ["true", GARBAGE]) {
        const r = parseAnnotations({ [`${N}${key}`]: value });
        assert.deepEqual(r.unknown, [], `${key}=${value} was listed as unknown (ignored)`);
        if (r.errors.length === 0) {
          assert.ok(implemented.has(key), `${key}=${value}: neither an error nor an implemented key`);
          assert.ok(Object.keys(r.values).length > 0, `${key}=${value}: accepted without a value`);
          continue;
        }
        assert.equal(r.errors.length, 1);
        assert.ok(r.errors[0]!.message.startsWith(`${N}${key}: `), r.errors[0]!.message);
        assert.equal(r.errors[0]!.dropsIngress, true, `${key}: an error must drop the Ingress`);
        if (!implemented.has(key)) assert.ok(r.errors[0]!.message.includes(ACCESS_CONTROL_KEYS[key]!), r.errors[0]!.message);
      }
      // The garbage value is never accepted.
      assert.equal(parseAnnotations({ [`${N}${key}`]: GARBAGE }).errors.length, 1, `${key} accepted ${JSON.stringify(GARBAGE)}`);
    }
  });

  test("other unknown keys only warn (listed as unknown, no error)", () => {
    const r = parseAnnotations({ [`${N}enable-rewrite-log`]: "true", [`${N}no-such-key`]: "x" });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.unknown.sort(), [`${N}enable-rewrite-log`, `${N}no-such-key`]);
  });

  test("the build keeps an Ingress with a refused annotation answering 503, with an Event; its paths fall to no other route", () => {
    const refusedKey = Object.keys(ACCESS_CONTROL_KEYS).find((k) => !ANNOTATIONS.some((a) => a.key === k));
    const snap = snapshot({
      ingresses: [
        // An older Ingress serves / on the same host: the refused /admin must not fall to it.
        ingress("public", [{ host: "a.example.com", paths: [path("/", "Prefix", "web")] }], { created: "2025-01-01T00:00:00Z" }),
        ingress("guarded", [{ host: "a.example.com", paths: [path("/admin", "Prefix", "web")] }], {
          annotations: { [`${N}${refusedKey ?? "auth-type"}`]: refusedKey ? "x" : GARBAGE },
        }),
        ingress("snippet", [{ host: "b.example.com", paths: [path("/", "Prefix", "web")] }], {
          annotations: { [`${N}configuration-snippet`]: "deny all;" },
        }),
      ],
      services: [service("web")],
      endpointSlices: [slice("web", ["198.18.0.10"])],
    });
    const result = build(snap);
    const config = result.state.config;
    const block = (loc: string) => config.slice(config.indexOf(loc), config.indexOf("}", config.indexOf(loc)));
    assert.match(block('location ^~ "/admin/"'), /return 503;/);
    assert.match(block('location = "/admin"'), /return 503;/);
    assert.doesNotMatch(block('location ^~ "/admin/"'), /proxy_pass/);
    const bServer = config.slice(config.indexOf('server_name "b.example.com"'));
    assert.match(bServer.slice(0, bServer.indexOf("}")), /return 503;/);
    const refused = result.diagnostics.filter((d) => d.reason === "AnnotationRefused");
    assert.deepEqual(refused.map((d) => d.object.name).sort(), ["guarded", "snippet"]);
    for (const d of refused) {
      assert.equal(d.severity, "Error");
      assert.match(d.message, /nginx\.ingress\.kubernetes\.io\/[a-z-]+: .*its paths answer 503/);
    }
  });
});

describe("keys ingress-nginx does not read", () => {
  test("ignored as ingress-nginx ignored them, unless the name suggests access control", () => {
    for (const k of ["client-max-body-size", "read-timeout", "websocket-services", "proxy-set-headers", "upstream-fail-timeout"]) {
      assert.equal(ignoredByIngressNginxToo(k), true, k);
    }
    for (const k of [...INGRESS_NGINX_V1_15_KEYS, "auth-jwt", "basic-auth", "ip-allowlist", "source-range", "rate-limit", "client-tls", "oidc-issuer"]) {
      assert.equal(ignoredByIngressNginxToo(k), false, k);
    }
  });
});
