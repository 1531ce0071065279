// The printer's line -> Ingress map: an nginx -t error at a line names the Ingresses whose input
// made it (locations, server-level and http-level lines; pure), and real nginx's error lines land
// in those ranges.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { b, d, printWithSources, sourcesOfLine } from "./writer.js";
import { lit } from "../nginx-values.js";
import { build } from "../build.js";
import { ingress, path, service, snapshot } from "../test-objects.js";
import { NginxPrefix } from "../../testing/nginx-prefix.js";

describe("line sources", () => {
  test("nested blocks map each of their lines to the innermost source", () => {
    const tree = [
      d("a", lit("1")),
      b(
        "server",
        [],
        [
          { ...b("location", [lit("/x")], [d("return", lit("200"))]), sources: ["ns/x"] },
          { ...d("y", lit("2")), sources: ["ns/a", "ns/y"] },
        ],
      ),
    ];
    const { text, sources } = printWithSources(tree, 2);
    const lines = ["", "#header", ...text.split("\n")]; // 1-based with the header as line 1
    assert.equal(lines[3], "server {");
    assert.equal(lines[4], "  location /x {");
    assert.equal(lines[6], "  }");
    assert.deepEqual(sources, [
      { start: 4, end: 6, sources: ["ns/x"] },
      { start: 7, end: 7, sources: ["ns/a", "ns/y"] },
    ]);
    assert.deepEqual(sourcesOfLine(sources, 5), ["ns/x"]);
    assert.deepEqual(sourcesOfLine(sources, 7), ["ns/a", "ns/y"]);
    assert.deepEqual(sourcesOfLine(sources, 3), []);
    assert.deepEqual(sourcesOfLine([{ start: 1, end: 9, sources: ["outer"] }, ...sources], 5), ["ns/x"]);
  });

  test("the build maps the lines of each location to its Ingress", () => {
    const r = build(
      snapshot({
        ingresses: [
          ingress("one", [{ host: "a.com", paths: [path("/one", "Prefix", "svc")] }]),
          ingress("two", [{ host: "b.com", paths: [path("/two", "Exact", "svc")] }], { namespace: "team" }),
        ],
        services: [service("svc"), service("svc", "team")],
      }),
    );
    const lines = r.state.config.split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    assert.deepEqual(sourcesOfLine(r.lineSources, at('location = "/one"')), ["default/one"]);
    assert.deepEqual(sourcesOfLine(r.lineSources, at('location = "/two"')), ["team/two"]);
    assert.deepEqual(sourcesOfLine(r.lineSources, at("worker_processes")), [], "the renderer's own lines are nobody's");
  });

  test("server-level and http-level lines map to the Ingresses whose input made them", () => {
    const A = "nginx.ingress.kubernetes.io/";
    const ca = readFileSync(join(import.meta.dirname, "..", "testdata", "certs", "client-ca.crt")).toString("base64");
    const r = build(
      snapshot({
        ingresses: [
          ingress("base", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }]),
          ingress("alias", [{ host: "a.com", paths: [path("/alias", "Prefix", "svc")] }], { annotations: { [`${A}server-alias`]: "alias.a.com" } }),
          ingress("deny", [{ host: "a.com", paths: [path("/d", "Prefix", "svc")] }], { annotations: { [`${A}deny-paths`]: "~ /secret[0-9]" } }),
          ingress("certs", [{ host: "c.com", paths: [path("/", "Prefix", "svc")] }], {
            annotations: { [`${A}auth-tls-secret`]: "default/client-ca", [`${A}auth-tls-match-cn`]: "CN=alice" },
          }),
          ingress("redir", [{ host: "r.com", paths: [path("/", "Prefix", "svc")] }], {
            annotations: { [`${A}host-redirects`]: "r.com https://elsewhere.example" },
          }),
          ingress("limited", [{ host: "l.com", paths: [path("/", "Prefix", "svc")] }], { annotations: { [`${A}limit-rps`]: "5" } }),
          ingress("www", [{ host: "w.com", paths: [path("/", "Prefix", "svc")] }], { annotations: { [`${A}from-to-www-redirect`]: "true" } }),
          ingress("errors", [{ host: "e.com", paths: [path("/", "Prefix", "svc")] }], { annotations: { [`${A}custom-http-errors`]: "418" } }),
          ingress("auth", [{ host: "e.com", paths: [path("/private", "Prefix", "svc")] }], { annotations: { [`${A}auth-url`]: "http://auth.example/verify" } }),
          ingress("pt", [{ host: "p.com", paths: [path("/", "Prefix", "svc")] }], { annotations: { [`${A}ssl-passthrough`]: "true" } }),
        ],
        services: [service("svc")],
        secrets: [{ metadata: { namespace: "default", name: "client-ca" }, type: "Opaque", data: { "ca.crt": ca } }],
      }),
    );
    assert.deepEqual(
      r.diagnostics.filter((x) => x.severity === "Error"),
      [],
    );
    const lines = r.state.config.split("\n");
    const blame = (needle: string) => {
      const at = lines.findIndex((l) => l.includes(needle)) + 1;
      assert.ok(at > 0, `no line has ${needle}`);
      return sourcesOfLine(r.lineSources, at);
    };
    assert.deepEqual(blame('server_name "a.com";'), ["default/alias", "default/base", "default/deny"], "a host's name: every Ingress that serves it");
    assert.deepEqual(blame('server_name "alias.a.com";'), ["default/alias"]);
    assert.deepEqual(blame("if ($uri ~"), ["default/deny"]);
    assert.deepEqual(blame("ssl_client_certificate"), ["default/certs"]);
    assert.deepEqual(blame("ssl_verify_client"), ["default/certs"]);
    assert.deepEqual(blame("if ($ssl_client_s_dn"), ["default/certs"]);
    assert.deepEqual(blame("return 301 "), ["default/redir"]);
    assert.deepEqual(blame("limit_req_zone"), ["default/limited"]);
    assert.deepEqual(blame('server_name "www.w.com";'), ["default/www"]);
    assert.deepEqual(blame("location @portico_error_"), ["default/errors"]);
    assert.deepEqual(blame('location = "/_portico_auth_'), ["default/auth"]);
    assert.deepEqual(blame('"p.com" portico_tls_passthrough;'), ["default/pt"]);
    assert.deepEqual(blame("upstream portico_passthrough_0"), ["default/pt"]);
  });

  test("real nginx's error line for a regex PCRE refuses falls in its Ingress's range", { skip: !NginxPrefix.luaAvailable() }, () => {
    const huge = "/" + "(?:[a-z][0-9][A-Z]\\.){255}".repeat(4); // in the grammar; too large for PCRE2's compiled-size limit
    const r = build(
      snapshot({
        ingresses: [
          ingress("good", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }]),
          ingress("huge", [{ host: "b.com", paths: [path(huge, "ImplementationSpecific", "svc")] }], {
            annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" },
          }),
        ],
        services: [service("svc")],
      }),
    );
    const prefix = new NginxPrefix();
    try {
      const err = prefix.test(r.state.config) ?? "";
      const line = Number(/nginx\.conf:(\d+)/.exec(err)?.[1]);
      assert.ok(line > 0, err);
      assert.deepEqual(sourcesOfLine(r.lineSources, line), ["default/huge"]);
    } finally {
      prefix.remove();
    }
  });
});
