// The passthrough processor and its render (pure): which hosts pass TLS through, the SNI router in
// front of HTTPS, and the report when ssl-passthrough cannot apply.
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, slice, snapshot } from "../test-objects.js";

const A = "nginx.ingress.kubernetes.io/";
const opts = { listenAddress: "*", httpsPort: 443, httpsInternalPort: 10443, passthroughInternalPort: 10444 };
const world = (...ingresses: ReturnType<typeof ingress>[]) =>
  build(
    snapshot({ ingresses, services: [service("web"), service("app")], endpointSlices: [slice("web", ["198.18.0.1"]), slice("app", ["198.18.0.2"])] }),
    opts,
  );

test("without passthrough hosts, HTTPS listens on its own port and no SNI router exists", () => {
  const r = world(ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { tls: [{ hosts: ["a.com"] }] }));
  assert.ok(r.state.config.includes("listen *:443 ssl http2"));
  assert.ok(!r.state.config.includes("ssl_preread"));
});

test("a passthrough host: SNI router on the HTTPS port, HTTPS behind it with PROXY protocol, static backend upstream", () => {
  const r = world(
    ingress("pt", [{ host: "pt.com", paths: [path("/", "Prefix", "web")] }], { annotations: { [`${A}ssl-passthrough`]: "true" } }),
    ingress("wild", [{ host: "*.pt.org", paths: [path("/", "Prefix", "app")] }], { annotations: { [`${A}ssl-passthrough`]: "true" } }),
    ingress("a", [{ host: "a.com", paths: [path("/", "Prefix", "web")] }], { tls: [{ hosts: ["a.com"] }] }),
  );
  const c = r.state.config;
  assert.deepEqual(
    r.diagnostics.filter((d) => d.reason !== "TLSSecretNotFound"),
    [],
  );
  assert.ok(c.includes("listen 127.0.0.1:10443 ssl http2 proxy_protocol"), "HTTPS moved behind the router");
  assert.ok(!c.includes("listen *:443 ssl"), "nothing else terminates TLS on the public port");
  assert.match(c, /stream \{[\s\S]*listen \*:443;\s*ssl_preread on;\s*proxy_protocol on;\s*proxy_pass \$portico_tls_front;/);
  assert.match(c, /listen 127\.0\.0\.1:10444 proxy_protocol;\s*ssl_preread on;\s*proxy_pass \$portico_tls_backend;/);
  assert.match(c, /"pt\.com" portico_passthrough_1;/);
  assert.match(c, /"~\*\^\[\^\.\]\+\[\.\]pt\[\.\]org\$" portico_passthrough_0;/, "a wildcard matches exactly one label");
  assert.match(c, /upstream portico_passthrough_1 \{\s*server 198\.18\.0\.1:8080;/);
  assert.ok(c.includes("real_ip_header proxy_protocol;"));
});

test("ssl-passthrough on an Ingress that does not serve the host's / path is reported, not silently dropped", () => {
  const r = world(
    ingress("root", [{ host: "x.com", paths: [path("/", "Prefix", "web")] }], { created: "2026-01-01T00:00:00Z" }),
    ingress("sub", [{ host: "x.com", paths: [path("/sub", "Prefix", "app")] }], {
      created: "2026-01-01T00:00:01Z",
      annotations: { [`${A}ssl-passthrough`]: "true" },
    }),
  );
  assert.deepEqual(
    r.diagnostics.map((d) => [d.object.name, d.reason]),
    [["sub", "PassthroughNotApplied"]],
  );
  assert.ok(!r.state.config.includes("ssl_preread"));
});
