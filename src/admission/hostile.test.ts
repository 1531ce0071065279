// A hostile-input corpus through admission: injection attempts in hosts, paths and annotations.
// Each is denied, or admitted; everything admitted is then built by core into one nginx.conf that
// real `nginx -t` accepts, with no diagnostic against an admitted Ingress (admission and core agree).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { build } from "../core/build.js";
import type { Ingress } from "../core/k8s-types.js";
import { NginxPrefix } from "../testing/nginx-prefix.js";
import { service, slice, snapshot } from "../core/test-objects.js";
import { validateIngress } from "./ingress.js";
import { AdmissionState } from "./state.js";
import { ingress, ourClass, request, type SimpleIngress } from "./testing/fixtures.js";

const A = "nginx.ingress.kubernetes.io/";
const REGEX = { [`${A}use-regex`]: "true" };
const IS = "ImplementationSpecific";

// [name, ingress, expected: "deny" | "admit"]
const CORPUS: [string, SimpleIngress, "deny" | "admit"][] = [
  ["host: server_name injection", { host: "a.com; return 200 pwned;#" }, "deny"],
  ["host: brace", { host: "a.com}server{" }, "deny"],
  ["host: newline", { host: "a.com\nlisten 1" }, "deny"],
  ["host: quote", { host: 'a.com"' }, "deny"],
  ["host: dollar", { host: "$host.com" }, "deny"],
  ["host: unicode", { host: "exämple.com" }, "deny"],
  ["host: overlong label", { host: `${"a".repeat(64)}.com` }, "deny"],
  ["path: location injection", { path: "/a { return 200 x; } location /b" }, "deny"],
  ["path: semicolon", { path: "/a;proxy_pass http://evil" }, "deny"],
  ["path: dollar variable", { path: "/$request_uri" }, "deny"],
  ["path: backslash", { path: "/a\\x" }, "deny"],
  ["path: NUL", { path: "/a\u0000b" }, "deny"],
  ["path: CRLF", { path: "/a\r\nX-Injected: 1" }, "deny"],
  ["path: encoded slash", { path: "/a%2fb" }, "deny"],
  ["path: dot-dot", { path: "/a/../../etc/passwd" }, "deny"],
  ["path: lua block", { path: "/x}content_by_lua_block{os.execute('id')}" }, "deny"],
  ["regex: quote escape", { path: '/a"; evil', pathType: IS, annotations: REGEX }, "deny"],
  ["regex: pcre callout", { path: "/(?C1)a", pathType: IS, annotations: REGEX }, "deny"],
  ["regex: inline flags", { path: "/(?s)a", pathType: IS, annotations: REGEX }, "deny"],
  ["regex: backreference escape", { path: "/(a)\\1", pathType: IS, annotations: REGEX }, "deny"],
  ["regex: space", { path: "/a b", pathType: IS, annotations: REGEX }, "deny"],
  ["regex: brace (nginx block)", { path: "/a{1}", pathType: IS, annotations: REGEX }, "admit"],
  ["regex: alternation and classes", { path: "/(api|v[0-9]+)/(.*)", pathType: IS, annotations: REGEX }, "admit"],
  ["snippet: configuration", { annotations: { [`${A}configuration-snippet`]: "more_set_headers 'x: y';" } }, "deny"],
  ["snippet: server", { annotations: { [`${A}server-snippet`]: "location /admin { allow all; }" } }, "deny"],
  ["snippet: auth (CVE-2025-1974 chain)", { annotations: { [`${A}auth-snippet`]: "}}} ssl_engine /tmp/evil.so;" } }, "deny"],
  ["snippet: portico prefix", { annotations: { "portico.dev/server-snippet": "x" } }, "deny"],
  ["rewrite-target: variable", { path: "/(.*)", pathType: IS, annotations: { [`${A}rewrite-target`]: "/$http_x_evil" } }, "deny"],
  ["rewrite-target: semicolon", { path: "/(.*)", pathType: IS, annotations: { [`${A}rewrite-target`]: "/$1; return 200" } }, "deny"],
  ["rewrite-target: capture group", { path: "/api/(.*)", pathType: IS, annotations: { [`${A}rewrite-target`]: "/$1" } }, "admit"],
  ["redirect: quote", { annotations: { [`${A}permanent-redirect`]: 'https://x.com/"; evil' } }, "deny"],
  ["redirect: dollar", { annotations: { [`${A}permanent-redirect`]: "https://x.com/$host" } }, "deny"],
  ["redirect: plain", { annotations: { [`${A}permanent-redirect`]: "https://x.example.com/new" } }, "admit"],
  ["body size: directive", { annotations: { [`${A}proxy-body-size`]: "1m; allow all" } }, "deny"],
  ["timeout: directive", { annotations: { [`${A}proxy-read-timeout`]: "60; evil" } }, "deny"],
  ["backend-protocol: unknown", { annotations: { [`${A}backend-protocol`]: "FCGI" } }, "deny"],
  ["annotation: oversized value", { annotations: { [`${A}rewrite-target`]: "/" + "a".repeat(5000) } }, "deny"],
  ["service: injection", { service: "web;evil" }, "deny"],
  ["port name: injection", { port: "http;x" }, "deny"],
  ["tls secret: path traversal", { tls: [{ hosts: ["foo.example.com"], secretName: "../../etc/ssl" }] }, "deny"],
  ["plain: wildcard host", { host: "*.wild.example.com" }, "admit"],
  ["plain: punctuation path", { path: "/a-b_c.d~e!f*g'h(i)j+k,l=m:n@o&p%20q", pathType: "Exact" }, "admit"],
  ["unknown nginx annotation (warned)", { annotations: { [`${A}enable-rewrite-log`]: "true; evil" } }, "admit"],
  ["cors: injection in a bool", { annotations: { [`${A}enable-cors`]: "true; evil" } }, "deny"],
  ["cors: origin with a quote", { annotations: { [`${A}enable-cors`]: "true", [`${A}cors-allow-origin`]: 'https://a.com"; evil' } }, "deny"],
  ["cors: headers with a brace", { annotations: { [`${A}enable-cors`]: "true", [`${A}cors-allow-headers`]: "X-A}" } }, "deny"],
  [
    "cors: lists and wildcards",
    {
      annotations: {
        [`${A}enable-cors`]: "true",
        [`${A}cors-allow-origin`]: "https://a.example.com, https://*.b.example.com:8443",
        [`${A}cors-allow-methods`]: "GET, POST",
        [`${A}cors-allow-headers`]: "X-A, Content-Type",
        [`${A}cors-expose-headers`]: "X-B",
        [`${A}cors-max-age`]: "60",
      },
    },
    "admit",
  ],
  ["auth-url: unknown variable", { annotations: { [`${A}auth-url`]: "http://$pid.example.com/auth" } }, "deny"],
  ["auth-url: semicolon", { annotations: { [`${A}auth-url`]: "http://a.example.com/auth;evil" } }, "deny"],
  ["auth-url: space", { annotations: { [`${A}auth-url`]: "https://OAuth2 Proxy.example.com/oauth2/auth" } }, "deny"],
  [
    "auth-url: variables, signin, response headers",
    {
      annotations: {
        [`${A}auth-url`]: "https://$host/oauth2/auth",
        [`${A}auth-signin`]: "https://$host/oauth2/start?rd=$escaped_request_uri",
        [`${A}auth-response-headers`]: "X-Auth-Request-User, X-Auth-Request-Email",
        [`${A}auth-method`]: "GET",
        [`${A}whitelist-source-range`]: "10.0.0.0/8, 2001:db8::/32",
        [`${A}denylist-source-range`]: "10.1.0.0/16",
        [`${A}satisfy`]: "any",
      },
    },
    "admit",
  ],
  ["allowlist: not a CIDR", { annotations: { [`${A}whitelist-source-range`]: "10.0.0.0/8; allow all" } }, "deny"],
  ["auth-realm: quote", { annotations: { [`${A}auth-type`]: "basic", [`${A}auth-secret`]: "s", [`${A}auth-realm`]: 'x"; allow all; "' } }, "deny"],
  ["auth-type without auth-secret", { annotations: { [`${A}auth-type`]: "basic" } }, "deny"],
  ["auth-type digest (no module)", { annotations: { [`${A}auth-type`]: "digest", [`${A}auth-secret`]: "s" } }, "deny"],
];

describe("hostile-input corpus", () => {
  let prefix: NginxPrefix;
  before(() => (prefix = new NginxPrefix()));
  after(() => prefix?.remove());

  const st = new AdmissionState();
  st.replaceAll("IngressClass", [ourClass("portico")]);
  st.replaceAll("Ingress", []);
  st.replaceAll("Secret", []);
  const admitted: Ingress[] = [];

  CORPUS.forEach(([name, o, expected], i) => {
    it(`${expected}: ${name}`, () => {
      // Unique names, and unique hosts unless the case is about the host, so admitted ones never conflict.
      const obj = ingress({ host: `h${i}.example.com`, ...o, name: `c${i}` });
      const v = validateIngress(request(obj), st.context());
      assert.equal(v.allowed, expected === "admit", `${name}: ${v.reasons.join("; ")}`);
      if (v.allowed) admitted.push(obj);
      else
        assert.ok(
          v.reasons.every((r) => /^(spec|metadata)\./.test(r)),
          `every reason names a field: ${v.reasons}`,
        );
    });
  });

  it("everything admitted builds into a config that nginx -t accepts, with no diagnostics", () => {
    assert.equal(admitted.length, CORPUS.filter(([, , e]) => e === "admit").length);
    const services = [...new Set(admitted.map((i) => i.spec!.rules![0]!.http!.paths[0]!.backend.service!.name))];
    const snap = snapshot({
      ingresses: admitted,
      services: services.map((s) => service(s, "default", [{ name: "http", port: 80 }])),
      endpointSlices: services.map((s) => slice(s, ["198.18.0.10"], 8080, "default", "http")),
    });
    const result = build(snap);
    assert.deepEqual(
      result.diagnostics.filter((d) => d.object.kind === "Ingress"),
      [],
    );
    assert.equal(result.servedIngresses.length, admitted.length);
    assert.equal(prefix.test(result.state.config), undefined);
  });
});
