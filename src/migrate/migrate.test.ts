// portico migrate: conversion, annotation classes, snippet translations (each validated by the
// registry, and the migrated objects admitted and built by core), and the corpus figures.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { checkAnnotations } from "../admission/annotations.js";
import { corpusDir } from "../compat/corpus.js";
import { build } from "../core/build.js";
import type { Ingress } from "../core/k8s-types.js";
import { service, slice, snapshot } from "../core/test-objects.js";
import { auditIngress } from "./audit.js";
import { convertIngress } from "./convert.js";
import { migrateSource, summarize } from "./migrate.js";
import { translateSnippet } from "./snippets.js";

const N = "nginx.ingress.kubernetes.io/";
const ctx = { hosts: ["a.example.com"], tls: true };

describe("convert", () => {
  test("v1beta1 -> v1: backends, spec.backend, missing pathType; class rewritten, legacy annotation removed", () => {
    const { ingress, changes } = convertIngress(
      {
        apiVersion: "extensions/v1beta1",
        kind: "Ingress",
        metadata: { name: "x", annotations: { "kubernetes.io/ingress.class": "nginx" } },
        spec: {
          backend: { serviceName: "d", servicePort: 80 },
          rules: [{ host: "a.example.com", http: { paths: [{ path: "/", backend: { serviceName: "web", servicePort: "http" } }] } }],
        },
      },
      "portico",
    );
    assert.equal(ingress.apiVersion, "networking.k8s.io/v1");
    assert.deepEqual(ingress.spec?.defaultBackend, { service: { name: "d", port: { number: 80 } } });
    assert.deepEqual(ingress.spec?.rules?.[0]?.http?.paths[0], {
      path: "/",
      pathType: "ImplementationSpecific",
      backend: { service: { name: "web", port: { name: "http" } } },
    });
    assert.equal(ingress.spec?.ingressClassName, "portico");
    assert.deepEqual(ingress.metadata.annotations, {});
    assert.ok(changes.some((c) => c.includes("class nginx -> portico")));
  });
});

describe("audit", () => {
  const ing = (annotations: Record<string, string>) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "i", namespace: "default", annotations },
    spec: {
      ingressClassName: "nginx",
      rules: [{ host: "a.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
    },
  });
  test("supported, different default, refused (with why), ignored", () => {
    const a = auditIngress(
      ing({
        [`${N}proxy-read-timeout`]: "43200",
        [`${N}proxy-buffering`]: "on",
        [`${N}auth-proxy-set-headers`]: "headers",
        [`${N}mirror-target`]: "x",
        [`${N}backend-protocol`]: "FCGI",
      }),
      "portico",
    );
    const by = Object.fromEntries(a.annotations.map((x) => [x.key.slice(N.length), x]));
    assert.equal(by["proxy-read-timeout"]!.status, "supported");
    assert.equal(by["proxy-buffering"]!.status, "different-default");
    assert.match(by["proxy-buffering"]!.detail, /off/);
    // (auth-proxy-set-headers is implemented; without auth-url it is refused, as it would do nothing)
    assert.equal(by["auth-proxy-set-headers"]!.status, "refused");
    assert.match(by["auth-proxy-set-headers"]!.detail, /needs auth-url/);
    assert.equal(by["backend-protocol"]!.status, "refused");
    assert.match(by["backend-protocol"]!.detail, /FCGI is not supported/);
    assert.equal(by["mirror-target"]!.status, "refused");
    assert.match(by["mirror-target"]!.detail, /must be an http\(s\) URL, e\.g\. http:\/\/x\.<namespace>\.svc\.cluster\.local\$request_uri/);
    assert.equal(a.migrates, false);
  });
  test('a value ingress-nginx read as its default (proxy-buffers-number "8 32k") is supported, with the fix said', () => {
    const a = auditIngress(ing({ [`${N}proxy-buffers-number`]: "8 32k" }), "portico");
    assert.deepEqual(
      a.annotations.map((x) => [x.status, x.detail]),
      [
        [
          "supported",
          '"8 32k" is nginx\'s "proxy_buffers <number> <size>", not a number of buffers; the default (4) is used, as ingress-nginx did; write nginx.ingress.kubernetes.io/proxy-buffers-number: "8" and proxy-buffer-size: "32k" to get 8 buffers of 32k (admission warns)',
        ],
      ],
    );
    assert.equal(a.migrates, true);
  });
  test("a fully expressible snippet is replaced by its typed form in the written Ingress", () => {
    const a = auditIngress(
      ing({ [`${N}configuration-snippet`]: 'more_set_headers "X-Frame-Options: SAMEORIGIN";\nproxy_hide_header X-Powered-By;' }),
      "portico",
    );
    assert.equal(a.migrates, true);
    const ann = a.objects[0]!.metadata.annotations!;
    assert.equal(ann[`${N}configuration-snippet`], undefined);
    assert.equal(ann["portico.dev/response-headers"], "X-Frame-Options: SAMEORIGIN");
    assert.equal(ann["portico.dev/hide-response-headers"], "X-Powered-By");
  });
  test("a snippet that cannot be carried stays (Portico refuses it) and says why", () => {
    const a = auditIngress(ing({ [`${N}server-snippet`]: "proxy_cache cache;" }), "portico");
    assert.equal(a.migrates, false);
    assert.match(a.annotations[0]!.detail, /caching has no typed equivalent/);
    assert.ok(a.objects[0]!.metadata.annotations![`${N}server-snippet`]);
  });
});

describe("snippet translations", () => {
  const cases: [string, string, Record<string, string>][] = [
    ["response header", `more_set_headers 'X-Frame-Options: SAMEORIGIN';`, { "portico.dev/response-headers": "X-Frame-Options: SAMEORIGIN" }],
    [
      "request headers with backend placeholders",
      "proxy_set_header l5d-dst-override $service_name.$namespace.svc.cluster.local:$service_port;",
      { "portico.dev/request-headers": "l5d-dst-override: $service_name.$namespace.svc.cluster.local:$service_port" },
    ],
    ["header present or 401", 'if ($http_x_api_key = "") {\n  return 401;\n}', { "portico.dev/require-request-headers": "x-api-key" }],
    [
      "host redirect",
      "if ($host = 'old.example.com' ) {\n  rewrite ^ https://new.example.com$request_uri permanent;\n}",
      { "portico.dev/host-redirects": "old.example.com https://new.example.com" },
    ],
    [
      "deny regex and prefix",
      "location ~* \\.(php|cgi)$ { deny all; access_log off; }\nlocation /base/update { deny all; return 404; }",
      { "portico.dev/deny-paths": "~* /.*\\.(php|cgi)$ 403\n/base/update 404" },
    ],
    [
      "fixed response",
      'location /robots.txt {\n  add_header Content-Type "text/plain";\n  return 200 "User-agent: *\\nDisallow: /";\n}',
      { "portico.dev/fixed-responses": '[{"path":"/robots.txt","status":200,"contentType":"text/plain","body":"User-agent: *\\nDisallow: /"}]' },
    ],
    [
      "backend TLS",
      "proxy_ssl_name backuppc.example.com;\nproxy_ssl_server_name on;",
      { "portico.dev/proxy-ssl-name": "backuppc.example.com", "portico.dev/proxy-ssl-server-name": "on" },
    ],
  ];
  for (const [name, body, want] of cases) {
    test(name, () => {
      const t = translateSnippet("configuration-snippet", body, ctx);
      assert.deepEqual(t.unsupported, []);
      assert.deepEqual(t.annotations, want);
      assert.deepEqual(checkAnnotations(t.annotations).errors, [], "what migrate writes is admitted");
    });
  }
  test("ModSecurity directives become the typed settings (enable-modsecurity added where the Ingress lacked it)", () => {
    const body = [
      "SecRuleEngine On",
      "SecAuditEngine RelevantOnly",
      "SecRuleRemoveById 942100 920000-920999",
      "SecRequestBodyLimit 1048576",
      'SecDefaultAction "phase:2,pass,log,tag:github_team=central,tag:namespace=shop"',
    ].join("\n");
    const t = translateSnippet("modsecurity-snippet", body, { ...ctx, modsecurity: false });
    assert.deepEqual(t.unsupported, []);
    assert.deepEqual(t.annotations, {
      "portico.dev/enable-modsecurity": "true",
      "portico.dev/modsecurity-rule-engine": "On",
      "portico.dev/modsecurity-audit-engine": "RelevantOnly",
      "portico.dev/modsecurity-remove-rule-ids": "942100,920000-920999",
      "portico.dev/modsecurity-request-body-limit": "1048576",
      "portico.dev/modsecurity-tags": "github_team=central,namespace=shop",
    });
    assert.deepEqual(checkAnnotations(t.annotations).errors, [], "what migrate writes is admitted");
    assert.ok(t.notes.some((n) => /Core Rule Set is not enabled/.test(n)));
    const kept = translateSnippet("modsecurity-snippet", "SecRuleEngine DetectionOnly", { ...ctx, modsecurity: true, crs: true });
    assert.deepEqual(kept.annotations, { "portico.dev/modsecurity-rule-engine": "DetectionOnly" });
  });
  test("per-path redirects become one-path Ingresses, $host and $scheme filled in", () => {
    const t = translateSnippet("server-snippet", "location = /.well-known/carddav {\n  return 301 $scheme://$host/remote.php/dav;\n}", ctx);
    assert.deepEqual(t.unsupported, []);
    assert.deepEqual(t.extraPaths, [
      {
        host: "a.example.com",
        path: "/.well-known/carddav",
        pathType: "Exact",
        annotations: { "portico.dev/permanent-redirect": "https://a.example.com/remote.php/dav" },
        why: "location = /.well-known/carddav { return 301 ... }",
      },
    ]);
  });
  test("what has no typed form is named with the reason", () => {
    const t = translateSnippet("configuration-snippet", "access_by_lua_block { ngx.say(1) }", ctx);
    assert.match(t.unsupported.join(), /Lua/);
    assert.match(
      translateSnippet("modsecurity-snippet", 'SecRuleEngine On\nSecRule ARGS "@rx evil" "id:1,deny"', ctx).unsupported.join(),
      /SecRule: rules of your own are raw ModSecurity configuration/,
    );
    assert.match(translateSnippet("modsecurity-snippet", 'SecDefaultAction "phase:2,deny,status:403"', ctx).unsupported.join(), /only tags/);
    assert.match(translateSnippet("configuration-snippet", 'add_header X "a\\r\\nB: c";', ctx).unsupported.join(), /line break/);
  });
});

describe("corpus", () => {
  const dir = corpusDir();
  test("figures on ../shared/corpus/ingress-nginx; migrated expressible files are admitted and built", { skip: !dir && "corpus not found" }, () => {
    const results = readdirSync(dir!)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => migrateSource({ source: f, docs: parseAllDocuments(readFileSync(join(dir!, f), "utf8")).map((d) => d.toJS()) }, "portico"));
    const s = summarize(results);
    assert.equal(s.snippetSources, 47);
    // 29 of the 37 files whose snippets are nginx directives, and 9 of the 10 whose snippets hold
    // ModSecurity directives (the tenth writes rules of its own). Regressions fail here.
    assert.ok(s.snippetSourcesExpressible >= 38, `expressible snippet files: ${s.snippetSourcesExpressible}/47`);
    for (const r of results) {
      for (const a of r.audits) {
        if (!a.annotations.some((x) => x.status === "snippet-translated") || !a.migrates) continue;
        for (const obj of a.objects) assert.deepEqual(checkAnnotations(obj.metadata.annotations).errors, [], `${r.source} ${obj.metadata.name}`);
        const ns = a.objects[0]!.metadata.namespace ?? "default";
        const objects = a.objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z" } })) as Ingress[];
        const svcs = [...new Set(objects.flatMap((o) => (o.spec?.rules ?? []).flatMap((rr) => rr.http?.paths ?? []).map((p) => p.backend.service!)))];
        const built = build(
          snapshot({
            ingresses: objects,
            services: svcs.map((sv) => service(sv.name, ns, [{ port: sv.port?.number ?? 80, name: sv.port?.name }])),
            endpointSlices: svcs.map((sv) => slice(sv.name, ["198.18.0.9"], 8080, ns, sv.port?.name)),
          }),
        );
        const dropped = built.diagnostics.filter((dg) => ["AnnotationRefused", "AnnotationInvalid", "IngressInvalid"].includes(dg.reason));
        assert.deepEqual(dropped, [], `${r.source}: the migrated objects build cleanly`);
      }
    }
  });
});
