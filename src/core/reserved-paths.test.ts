// Paths under /_portico are Portico's (auth subrequest locations `location = /_portico_auth_<id>`):
// refused for every pathType by the validator admission uses, and dropped by the build, so an
// Ingress can neither clash with an internal location (a duplicate `location =` fails nginx -t)
// nor be silently shadowed by one.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "./build.js";
import { validatePath } from "./validate.js";
import { parseMatcher } from "./annotations/fixed-responses.js";
import { ingress, path, service, slice, snapshot } from "./test-objects.js";
import { NginxPrefix } from "../testing/nginx-prefix.js";

describe("the /_portico path prefix is reserved", () => {
  test("refused for every pathType, and regexes whose every match starts with it", () => {
    const refused: [string, "Exact" | "Prefix" | "ImplementationSpecific", boolean][] = [
      ["/_portico_auth_0123456789abcdef", "Exact", false],
      ["/_portico", "Prefix", false],
      ["/_PORTICO/x", "Prefix", false],
      ["/_portico_x", "ImplementationSpecific", false],
      ["/_portico_auth_.*", "ImplementationSpecific", true],
      ["/_Portico", "ImplementationSpecific", true],
      ["/(_portico)(.*)", "ImplementationSpecific", true],
      ["/_p[o]rtico", "ImplementationSpecific", true],
      ["/_portico(/|$)(.*)", "Prefix", true],
    ];
    for (const [p, type, regex] of refused) {
      assert.match(
        validatePath(p, type, regex, "spec.rules[0].http.paths[0].path") ?? "admitted",
        /^spec\.rules\[0\]\.http\.paths\[0\]\.path: .* starts with "\/_portico", which Portico reserves/,
        p,
      );
    }
    for (const [p, type, regex] of [
      ["/portico", "Prefix", false],
      ["/_port", "Exact", false],
      ["/x/_portico", "Prefix", false],
      ["/(.*)", "ImplementationSpecific", true],
      ["/_(?:portico|x)", "ImplementationSpecific", true], // can match it, but not only it: internal locations are exact, tried first
    ] as const) {
      assert.equal(validatePath(p, type, regex), undefined, p);
    }
  });

  test("fixed-responses and deny-paths entries cannot take it either", () => {
    for (const m of ["= /_portico_auth_0123456789abcdef", "/_portico", "~* /_portico_auth_.*"]) {
      const r = parseMatcher(m, "fixed-responses[0].path");
      assert.ok(!r.ok && /reserves for its internal locations/.test(r.error), m);
    }
  });

  test("the build drops such a path with a PathInvalid diagnostic and real nginx accepts the config", { skip: !NginxPrefix.luaAvailable() }, () => {
    const auth = ingress("auth", [{ host: "a.com", paths: [path("/app", "Prefix", "svc")] }], {
      annotations: { "nginx.ingress.kubernetes.io/auth-url": "http://auth.example/check" },
    });
    const parts = { services: [service("svc")], endpointSlices: [slice("svc", ["10.0.0.1"])] };
    const first = build(snapshot({ ingresses: [auth], ...parts }));
    const internal = /location = "?(\/_portico_auth_[0-9a-f]+)"?/.exec(first.state.config)?.[1];
    assert.ok(internal, "an auth location is rendered");

    const clash = ingress("clash", [{ host: "a.com", paths: [path(internal, "Exact", "svc")] }]);
    const r = build(snapshot({ ingresses: [auth, clash], ...parts }));
    const d = r.diagnostics.find((x) => x.object?.name === "clash");
    assert.equal(d?.reason, "PathInvalid");
    assert.match(d!.message, /reserves for its internal locations/);
    assert.equal(r.state.config.split(internal).length, first.state.config.split(internal).length, "no second location for the reserved path");
    const prefix = new NginxPrefix();
    try {
      assert.equal(prefix.test(r.state.config, r.state.files), undefined);
    } finally {
      prefix.remove();
    }
  });
});
