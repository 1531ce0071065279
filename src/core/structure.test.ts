// Structural proof that hostile inputs cannot add configuration: every hostile string is placed in
// every slot a user controls (host, path of each type, regex path, TLS host, service and port
// names, every annotation), the config is parsed with nginx-conf, and its shape (how often each
// directive path such as /http/server/location/proxy_pass occurs) must equal either the shape of a
// benign twin with a valid value in that slot (value accepted, neutralised by quoting) or the shape
// with the slot left out (value rejected with a diagnostic). Never anything else.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "nginx-conf";
import { build } from "./build.js";
import { ANNOTATIONS, guardReason } from "./annotations/registry.js";
import { ingress, path, service, slice, snapshot } from "./test-objects.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TESTDATA } from "./test-fixtures.js";
import type { ConfigMap, Ingress } from "./k8s-types.js";

const HOSTILE_CORES = [
  '"',
  "'",
  ";",
  "{",
  "}",
  "\n",
  "\r\n",
  "\t",
  "#",
  "$host",
  "${request_uri}",
  "\\",
  '\\"',
  "\u0000",
  "\u2028",
  "é",
  "%0a",
  '"; return 200 "pwned',
  "x;}server{listen 81;}location /y{",
  "x\nreturn 200 pwned;",
  "x' 'y",
  'x" "y',
  "x # }",
  'x\\";',
  "a".repeat(5000),
];
const HOSTILE = HOSTILE_CORES.flatMap((h) => [h, `/${h}`, `/a${h}b`, `${h}.example.com`, `a${h}.example.com`]);

function shape(config: string): Map<string, number> {
  let tree: any;
  parse(config, (err, t) => {
    if (err) throw err;
    tree = t;
  });
  const counts = new Map<string, number>();
  const walk = (node: any, prefix: string) => {
    for (const c of node.children ?? []) {
      const key = `${prefix}/${c.name}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      walk(c, key);
    }
  };
  walk(tree, "");
  return counts;
}

/** `configMaps`: ConfigMaps the slot's value goes into (an annotation names them). */
type Slot = { name: string; benign: string; make: (v: string | undefined) => Ingress[]; configMaps?: (v: string | undefined) => ConfigMap[] };

const backend = (svc = "web", port: number | string = 80) => path("/p", "Prefix", svc, port).backend;
const SLOTS: Slot[] = [
  { name: "host", benign: "benign.example.com", make: (v) => [ingress("i", v === undefined ? [] : [{ host: v, paths: [path("/p", "Prefix", "web")] }])] },
  {
    name: "Prefix path",
    benign: "/benign",
    make: (v) => [ingress("i", [{ host: "h.example.com", paths: v === undefined ? [] : [path(v, "Prefix", "web")] }])],
  },
  { name: "Exact path", benign: "/benign", make: (v) => [ingress("i", [{ host: "h.example.com", paths: v === undefined ? [] : [path(v, "Exact", "web")] }])] },
  {
    name: "regex path",
    benign: "/benign[0-9]+",
    make: (v) => [
      ingress("i", [{ host: "h.example.com", paths: v === undefined ? [] : [path(v, "ImplementationSpecific", "web")] }], {
        annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
      }),
    ],
  },
  {
    name: "TLS host",
    benign: "h.example.com",
    make: (v) => [
      ingress("i", [{ host: "h.example.com", paths: [path("/p", "Prefix", "web")] }], { tls: v === undefined ? [] : [{ hosts: [v], secretName: "s" }] }),
    ],
  },
  {
    name: "service name",
    benign: "web",
    make: (v) => [
      {
        ...ingress("i", []),
        spec: {
          ingressClassName: "portico",
          rules: [{ host: "h.example.com", http: { paths: v === undefined ? [] : [{ path: "/p", pathType: "Prefix", backend: backend(v) }] } }],
        },
      },
    ],
  },
  {
    name: "port name",
    benign: "http",
    make: (v) => [
      {
        ...ingress("i", []),
        spec: {
          ingressClassName: "portico",
          rules: [{ host: "h.example.com", http: { paths: v === undefined ? [] : [{ path: "/p", pathType: "Prefix", backend: backend("web", v) }] } }],
        },
      },
    ],
  },
];

const BENIGN_ANNOTATION: Record<string, string> = {
  "app-root": "/app",
  "backend-protocol": "HTTPS",
  "force-ssl-redirect": "true",
  "permanent-redirect": "https://example.org/x",
  "permanent-redirect-code": "308",
  "proxy-body-size": "8m",
  "proxy-connect-timeout": "10",
  "proxy-read-timeout": "10",
  "proxy-send-timeout": "10",
  "rewrite-target": "/$1",
  "ssl-redirect": "false",
  "temporal-redirect": "https://example.org/y",
  "temporal-redirect-code": "307",
  "use-regex": "true",
  // proxy and backend
  "client-body-buffer-size": "16k",
  "custom-http-errors": "404,503",
  "default-backend": "web",
  "enable-access-log": "false",
  "from-to-www-redirect": "true",
  "proxy-buffer-size": "16k",
  "proxy-buffers-number": "8",
  "proxy-buffering": "on",
  "proxy-cookie-domain": "backend.local example.com",
  "proxy-cookie-path": "/ /app",
  "proxy-http-version": "1.0",
  "proxy-max-temp-file-size": "100m",
  "proxy-next-upstream": "error http_502",
  "proxy-next-upstream-timeout": "30",
  "proxy-next-upstream-tries": "5",
  "proxy-redirect-from": "http://a.example.com/",
  "proxy-redirect-to": "$scheme://b.example.com/",
  "proxy-request-buffering": "off",
  "proxy-ssl-ciphers": "HIGH:!aNULL",
  "proxy-ssl-name": "internal.example.com",
  "proxy-ssl-protocols": "TLSv1.3",
  "proxy-ssl-server-name": "on",
  "proxy-ssl-verify": "on",
  "proxy-ssl-verify-depth": "2",
  "server-alias": "alias.example.com",
  "service-upstream": "false",
  "upstream-vhost": "$service_name.$namespace.svc:8084",
  "x-forwarded-prefix": "/app",
  // rate limits
  "limit-allowlist": "10.0.0.0/8",
  "limit-burst-multiplier": "2",
  "limit-connections": "10",
  "limit-rate": "100",
  "limit-rate-after": "1000",
  "limit-rpm": "60",
  "limit-rps": "5",
  "limit-whitelist": "10.0.0.0/8",
  // typed replacements for snippets
  "deny-paths": "/benign 404",
  "fixed-responses": '[{"path": "= /robots.txt", "status": 200, "contentType": "text/plain", "body": "x\\ny"}]',
  "hide-response-headers": "X-Powered-By",
  "host-redirect-code": "308",
  "host-redirects": "h.example.com https://example.org",
  "request-headers": "X-Extra: $request_uri",
  "require-request-headers": "X-Api-Key",
  "response-headers": "X-Frame-Options: SAMEORIGIN",
  "custom-headers": "headers",
  "mirror-target": "http://staging.example.com$request_uri",
  "mirror-host": "staging.example.com",
  "mirror-request-body": "off",
  "auth-proxy-set-headers": "headers",
  "allowlist-source-range": "10.0.0.0/8",
  "whitelist-source-range": "10.0.0.0/8, 192.0.2.1",
  "denylist-source-range": "192.0.2.0/24",
  "auth-type": "basic",
  "auth-secret": "htpasswd",
  "auth-secret-type": "auth-file",
  "auth-realm": "Protected area",
  "auth-url": "https://$host/oauth2/auth",
  "auth-method": "GET",
  "auth-signin": "https://$host/oauth2/start?rd=$escaped_request_uri",
  "auth-signin-redirect-param": "next",
  "auth-response-headers": "X-Auth-Request-User, X-Auth-Request-Email",
  "auth-request-redirect": "/after",
  "auth-always-set-cookie": "true",
  "enable-global-auth": "false",
  satisfy: "any",
  "enable-cors": "true",
  "cors-allow-origin": "https://a.example.com, https://*.b.example.com",
  "cors-allow-methods": "GET, POST",
  "cors-allow-headers": "X-Custom, Content-Type",
  "cors-expose-headers": "X-Request-Id",
  "cors-allow-credentials": "false",
  "cors-max-age": "60",
  affinity: "cookie",
  "affinity-mode": "persistent",
  "affinity-canary-behavior": "legacy",
  "session-cookie-name": "route",
  "session-cookie-path": "/p",
  "session-cookie-domain": "example.com",
  "session-cookie-expires": "3600",
  "session-cookie-max-age": "3600",
  "session-cookie-samesite": "Lax",
  "session-cookie-conditional-samesite-none": "true",
  "session-cookie-secure": "true",
  "session-cookie-change-on-failure": "true",
  "load-balance": "ewma",
  "upstream-hash-by": "$request_uri",
  "upstream-hash-by-subset": "true",
  "upstream-hash-by-subset-size": "3",
  canary: "true",
  "canary-by-header": "X-Canary",
  "canary-by-header-value": "yes",
  "canary-by-header-pattern": "^(a|b)$",
  "canary-by-cookie": "canary",
  "canary-weight": "30",
  "canary-weight-total": "1000",
  "ssl-passthrough": "true",
  "auth-cache-key": "$http_authorization",
  "auth-cache-duration": "200 202 5m",
  "proxy-ssl-secret": "client-ca",
  "auth-tls-secret": "client-ca",
  "auth-tls-verify-client": "optional",
  "auth-tls-verify-depth": "2",
  "auth-tls-error-page": "https://example.org/cert-error",
  "auth-tls-pass-certificate-to-upstream": "true",
  "auth-tls-match-cn": "CN=(alice|bob)",
  "enable-modsecurity": "true",
  "enable-owasp-core-rules": "true",
  "modsecurity-transaction-id": "$request_id",
  "modsecurity-rule-engine": "On",
  "modsecurity-audit-engine": "Off",
  "modsecurity-remove-rule-ids": "942100",
  "modsecurity-request-body-limit": "1m",
  "modsecurity-tags": "team=a",
};
// Keys whose presence needs a companion to be complete (a bare value would be refused by design).
const COMPANIONS: Record<string, Record<string, string>> = {
  "permanent-redirect-code": { "permanent-redirect": "https://example.org/z" },
  "temporal-redirect-code": { "temporal-redirect": "https://example.org/z" },
  "upstream-hash-by-subset": { "upstream-hash-by": "$request_uri" },
  "upstream-hash-by-subset-size": { "upstream-hash-by": "$request_uri", "upstream-hash-by-subset": "true" },
  "proxy-redirect-to": { "proxy-redirect-from": "http://a.example.com/" },
  "proxy-redirect-from": { "proxy-redirect-to": "$scheme://b.example.com/" },
  "host-redirect-code": { "host-redirects": "h.example.com https://example.org" },
  "limit-burst-multiplier": { "limit-rps": "5" },
  "limit-allowlist": { "limit-rps": "5" },
  "limit-whitelist": { "limit-rps": "5" },
  "custom-http-errors": { "default-backend": "web" },
  "auth-type": { "auth-secret": "htpasswd" },
  "auth-secret": { "auth-type": "basic" },
  "auth-secret-type": { "auth-type": "basic", "auth-secret": "htpasswd" },
  "auth-realm": { "auth-type": "basic", "auth-secret": "htpasswd" },
  "auth-method": { "auth-url": "https://auth.example.com/check" },
  "auth-signin": { "auth-url": "https://auth.example.com/check" },
  "auth-signin-redirect-param": { "auth-url": "https://auth.example.com/check", "auth-signin": "https://auth.example.com/start" },
  "auth-response-headers": { "auth-url": "https://auth.example.com/check" },
  "auth-request-redirect": { "auth-url": "https://auth.example.com/check" },
  "auth-always-set-cookie": { "auth-url": "https://auth.example.com/check" },
  "auth-cache-key": { "auth-url": "https://auth.example.com/check" },
  "auth-proxy-set-headers": { "auth-url": "https://auth.example.com/check" },
  "mirror-host": { "mirror-target": "http://staging.example.com/copy" },
  "mirror-request-body": { "mirror-target": "http://staging.example.com/copy" },
  "auth-cache-duration": { "auth-url": "https://auth.example.com/check", "auth-cache-key": "$http_authorization" },
  satisfy: { "auth-url": "https://auth.example.com/check", "whitelist-source-range": "10.0.0.0/8" },
  "cors-allow-origin": { "enable-cors": "true" },
  "cors-allow-methods": { "enable-cors": "true" },
  "cors-allow-headers": { "enable-cors": "true" },
  "cors-expose-headers": { "enable-cors": "true" },
  "cors-allow-credentials": { "enable-cors": "true" },
  "cors-max-age": { "enable-cors": "true" },
  "auth-tls-verify-client": { "auth-tls-secret": "client-ca" },
  "auth-tls-verify-depth": { "auth-tls-secret": "client-ca" },
  "auth-tls-error-page": { "auth-tls-secret": "client-ca" },
  "auth-tls-pass-certificate-to-upstream": { "auth-tls-secret": "client-ca" },
  "auth-tls-match-cn": { "auth-tls-secret": "client-ca" },
  ...Object.fromEntries(
    [
      "enable-owasp-core-rules",
      "modsecurity-transaction-id",
      "modsecurity-rule-engine",
      "modsecurity-audit-engine",
      "modsecurity-remove-rule-ids",
      "modsecurity-request-body-limit",
      "modsecurity-tags",
    ].map((k) => [k, { "enable-modsecurity": "true" }]),
  ),
};
for (const a of ANNOTATIONS) {
  const benign = BENIGN_ANNOTATION[a.key];
  assert.ok(benign, `structure test needs a benign value for annotation ${a.key}`);
  for (const prefix of ["nginx.ingress.kubernetes.io/", "portico.dev/"]) {
    SLOTS.push({
      name: `${prefix}${a.key}`,
      benign,
      make: (v) => [
        // Canary annotations act on another (main) Ingress's routes: the slot is a canary beside one.
        ...(a.key.startsWith("canary")
          ? // The same Service by port name: another upstream, so the canary has a backend of its own.
            [
              ingress("main", [
                { host: "h.example.com", paths: [path("/p(.*)", "ImplementationSpecific", "web", "http"), path("/q", "Prefix", "web", "http")] },
              ]),
            ]
          : []),
        ingress(
          "i",
          [
            {
              host: "h.example.com",
              paths: [
                path("/p(.*)", "ImplementationSpecific", "web"),
                path("/q", "Prefix", "web"),
                // ssl-passthrough applies to the host of the Ingress's / path.
                ...(a.key === "ssl-passthrough" ? [path("/", "Prefix", "web")] : []),
              ],
            },
          ],
          {
            annotations: {
              ...Object.fromEntries(Object.entries(COMPANIONS[a.key] ?? {}).map(([k, cv]) => [`${prefix}${k}`, cv])),
              ...(v === undefined ? {} : { [`${prefix}${a.key}`]: v }),
              ...(a.key.startsWith("canary-") ? { [`${prefix}canary`]: "true" } : {}),
            },
            tls: [{ hosts: ["h.example.com"], secretName: "s" }],
          },
        ),
      ],
    });
  }
}

// The entries of a ConfigMap an annotation names: each key and each value is a slot.
const headersCm = (data: Record<string, string>): ConfigMap[] => [{ metadata: { namespace: "default", name: "cm" }, data: { "X-Base": "b", ...data } }];
const value = (v: string) => ({ "X-Slot": v });
const key = (v: string) => ({ [v]: "x" });
for (const [annotation, entry] of [
  ["custom-headers", value],
  ["custom-headers", key],
  ["auth-proxy-set-headers", value],
  ["auth-proxy-set-headers", key],
] as const) {
  const annotations = Object.fromEntries(
    Object.entries({ ...COMPANIONS[annotation], [annotation]: "cm" }).map(([k, v]) => [`nginx.ingress.kubernetes.io/${k}`, v]),
  );
  SLOTS.push({
    name: `${annotation} ConfigMap ${entry === value ? "value" : "key"}`,
    benign: entry === value ? "some value" : "X-Benign",
    make: () => [ingress("i", [{ host: "h.example.com", paths: [path("/q", "Prefix", "web")] }], { annotations })],
    configMaps: (v) => headersCm(v === undefined ? {} : entry(v)),
  });
}

const CONFIG_MAPS: ConfigMap[] = [{ metadata: { namespace: "default", name: "headers" }, data: { "X-Frame-Options": "SAMEORIGIN" } }];

function configOf(ingresses: Ingress[], configMaps: ConfigMap[] = []) {
  const r = build(
    snapshot({
      ingresses,
      configMaps: [...CONFIG_MAPS, ...configMaps],
      services: [service("web", "default", [{ name: "http", port: 80 }])],
      endpointSlices: [slice("web", ["198.18.0.1"], 8080, "default", "http")],
      secrets: [
        { metadata: { namespace: "default", name: "htpasswd" }, type: "Opaque", data: { auth: Buffer.from("user:$apr1$x$y").toString("base64") } },
        {
          metadata: { namespace: "default", name: "client-ca" },
          type: "Opaque",
          data: { "ca.crt": readFileSync(join(TESTDATA, "certs", "client-ca.crt")).toString("base64") },
        },
      ],
    }),
  );
  return r;
}

describe("hostile inputs never add directives", () => {
  for (const slot of SLOTS) {
    test(slot.name, () => {
      const cms = slot.configMaps ?? (() => []);
      const twin = configOf(slot.make(slot.benign), cms(slot.benign));
      assert.equal(
        twin.diagnostics.filter((d) => d.reason !== "TLSSecretNotFound").length,
        0,
        `benign ${slot.name} must be accepted: ${JSON.stringify(twin.diagnostics)}`,
      );
      const twinShape = shape(twin.state.config);
      const omittedShape = shape(configOf(slot.make(undefined), cms(undefined)).state.config);
      // A refused access-control value leaves the Ingress's paths answering 503 (fail closed).
      const key = slot.name.slice(slot.name.indexOf("/") + 1);
      const refusedShape = shape(configOf(slot.make(guardReason(key) ? '"' : undefined), cms('"')).state.config);
      const same = (a: Map<string, number>, b: Map<string, number>) => a.size === b.size && [...a].every(([k, n]) => b.get(k) === n);
      for (const h of HOSTILE) {
        const r = configOf(slot.make(h), cms(h));
        const s = shape(r.state.config);
        const rejected = r.diagnostics.some((d) => !["TLSSecretNotFound", "ServiceNotFound", "ServicePortNotFound"].includes(d.reason));
        const label = `${slot.name} = ${JSON.stringify(h.slice(0, 60))}`;
        // So does a ConfigMap entry an annotation cannot use.
        const refusals = slot.configMaps ? ["AnnotationRefused", "ConfigMapInvalid", "AccessDenied"] : ["AnnotationRefused"];
        if (r.diagnostics.some((d) => refusals.includes(d.reason)))
          assert.ok(same(s, refusedShape), `${label} was refused, so its paths must answer 503 as with any refused value`);
        else if (rejected) assert.ok(same(s, omittedShape), `${label} was rejected, so the config must be as if it were absent`);
        else assert.ok(same(s, twinShape), `${label} was accepted, so the config must have the benign twin's shape`);
        // Quotes and line breaks can never appear inside a token we write: they must not survive.
        if (h.length >= 4 && /["\n\r]/.test(h)) assert.ok(!r.state.config.includes(h), `${label}: copied verbatim into the config`);
      }
    });
  }
});
