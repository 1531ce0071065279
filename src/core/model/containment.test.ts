// Containment: a throw while processing one Ingress drops that Ingress alone (an Error diagnostic
// on it); every other Ingress is built as if it were absent.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "./build-model.js";
import { PROCESSORS } from "./processors/index.js";
import type { Processor } from "./processors/types.js";
import { ingress, path, service, snapshot } from "../test-objects.js";

const options = { reservedPorts: [], httpsPort: 443 };

describe("containment", () => {
  const good = ingress("good", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }], { created: "2026-01-01T00:00:00Z" });
  const bad = ingress("bad", [{ host: "b.com", paths: [path("/", "Prefix", "svc")] }], { created: "2026-01-02T00:00:00Z", namespace: "other" });
  const snap = snapshot({ ingresses: [good, bad], services: [service("svc"), service("svc", "other")] });

  test("a processor throwing on one Ingress drops only that Ingress, with a diagnostic", () => {
    const boom: Processor = {
      name: "boom",
      process(_ctx, work) {
        if (work.key === "other/bad") throw new Error("unexpected");
      },
    };
    const model = buildModel(snap, options, [...PROCESSORS.slice(0, 3), boom, ...PROCESSORS.slice(3)]);
    assert.deepEqual(
      model.servers.map((s) => s.host),
      ["a.com"],
    );
    assert.deepEqual(model.servedIngresses, ["default/good"]);
    const d = model.diagnostics.find((x) => x.object.name === "bad");
    assert.equal(d?.reason, "IngressInvalid");
    assert.equal(d?.severity, "Error");
    assert.match(d!.message, /processing failed in boom: unexpected/);
    // Nothing the dropped Ingress staged reached the model: same as a build without it.
    const without = buildModel(snapshot({ ingresses: [good], services: snap.services }), options);
    assert.deepEqual(model.servers, without.servers);
    assert.deepEqual(model.endpoints, without.endpoints);
  });

  test("an excluded Ingress is left out with an IngressDropped diagnostic", () => {
    const model = buildModel(snap, { ...options, excluded: new Map([["other/bad", "nginx -t refused its location"]]) });
    assert.deepEqual(model.servedIngresses, ["default/good"]);
    const d = model.diagnostics.find((x) => x.object.name === "bad");
    assert.equal(d?.reason, "IngressDropped");
    assert.match(d!.message, /nginx -t refused its location/);
  });
});
