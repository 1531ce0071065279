// Routes declared twice: inside one Ingress the first declaration serves the route, across
// Ingresses the oldest (ingress-nginx's controller does both); the others get a PathConflict
// Warning naming what serves the route. Admission agrees (src/admission/ingress.ts checkRoutes).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "./build-model.js";
import { ingress, path, service, snapshot } from "../test-objects.js";
import type { Model } from "./types.js";

const options = { reservedPorts: [], httpsPort: 443 };

function served(model: Model, host: string, p: string): string | undefined {
  const loc = model.servers.find((s) => s.host === host)?.locations.find((l) => l.path === p);
  return loc?.action.kind === "proxy" ? loc.action.upstream : undefined;
}

describe("duplicate routes", () => {
  test('inside one Ingress: the first declaration serves, the later ones are warned about (a missing path is "/")', () => {
    const ing = ingress("gitea", [
      {
        host: "git.example.com",
        paths: [path("/", "ImplementationSpecific", "web"), path("/", "ImplementationSpecific", "ssh"), path(undefined, "ImplementationSpecific", "acme")],
      },
    ]);
    const model = buildModel(snapshot({ ingresses: [ing], services: ["web", "ssh", "acme"].map((n) => service(n)) }), options);
    assert.match(served(model, "git.example.com", "/")!, /web/);
    assert.deepEqual(model.servedIngresses, ["default/gitea"]);
    assert.deepEqual(
      model.diagnostics.map((d) => [d.severity, d.reason, d.message]),
      [1, 2].map((j) => [
        "Warning",
        "PathConflict",
        `spec.rules[0].http.paths[${j}]: ImplementationSpecific path "/" on host "git.example.com" is declared again; spec.rules[0].http.paths[0] serves it and this declaration is ignored`,
      ]),
    );
  });

  test("two Ingresses of one namespace: the oldest serves whatever the order of names; the newer is served otherwise", () => {
    const older = ingress("z-older", [{ host: "a.example.com", paths: [path("/", "Exact", "one")] }], { created: "2026-01-01T00:00:00Z" });
    const newer = ingress("a-newer", [{ host: "a.example.com", paths: [path("/", "Exact", "two"), path("/own", "Prefix", "two")] }], {
      created: "2026-01-02T00:00:00Z",
    });
    const model = buildModel(snapshot({ ingresses: [newer, older], services: [service("one"), service("two")] }), options);
    assert.match(served(model, "a.example.com", "/")!, /one/);
    assert.match(served(model, "a.example.com", "/own")!, /two/);
    assert.deepEqual(model.servedIngresses, ["default/a-newer", "default/z-older"]);
    assert.deepEqual(
      model.diagnostics.map((d) => [d.object.name, d.severity, d.reason, d.message]),
      [
        [
          "a-newer",
          "Warning",
          "PathConflict",
          'spec.rules[0].http.paths[0]: Exact path "/" on host "a.example.com" is already served by Ingress default/z-older (older, spec.rules[0].http.paths[0]); this declaration is ignored',
        ],
      ],
    );
  });
});
