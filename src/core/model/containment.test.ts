// Containment: a throw while processing one Ingress drops that Ingress alone (an Error diagnostic
// on it); every other Ingress is built as if it were absent.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "./build-model.js";
import { PROCESSORS } from "./processors/index.js";
import type { Processor } from "./processors/types.js";
import { ingress, path, service, snapshot } from "../test-objects.js";
import { build, ControllerBuildError } from "../build.js";
import { attributed, RenderError } from "../render/render-error.js";
import { lit } from "../nginx-values.js";
import { DEFAULT_SETTINGS } from "../settings.js";

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

describe("containment per IngressController", () => {
  const ing = ingress("web", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }]);
  test("a trusted-proxy CIDR nginx cannot parse is left out with a diagnostic on the IngressController", () => {
    const r = build(
      snapshot({ ingresses: [ing], services: [service("svc")], settings: { ...DEFAULT_SETTINGS, proxyRealIpCidrs: ["999.1.1.1", "10.0.0.0/8"] } }),
    );
    assert.match(r.state.config, /set_real_ip_from 10\.0\.0\.0\/8;/);
    assert.doesNotMatch(r.state.config, /999/);
    const d = r.diagnostics.find((x) => x.object.kind === "IngressController");
    assert.equal(d?.reason, "SettingInvalid");
    assert.match(d!.message, /proxyRealIpCidrs\[0\]/);
  });
  test("a listen address that is a name fails this IngressController's build alone, naming the field", () => {
    assert.throws(
      () => build(snapshot({ ingresses: [ing] }), { listenAddress: "localhost" }),
      (e: Error) => e instanceof ControllerBuildError && /spec\.listen\.address/.test(e.message),
    );
  });
  test("a value the renderer refuses drops the Ingress it came from; the rest is rendered", () => {
    assert.throws(
      () => attributed({ namespace: "ns", name: "bad" }, () => lit("a b")),
      (e: Error) => e instanceof RenderError && e.origin === "ns/bad",
    );
  });
});

describe("settings the schema admits but nginx cannot use", () => {
  test("a resolver that is not an IP address is left out with a diagnostic, the rest is rendered", () => {
    const ing = ingress("web", [{ host: "a.com", paths: [path("/", "Prefix", "svc")] }]);
    const r = build(snapshot({ ingresses: [ing], services: [service("svc")], settings: { ...DEFAULT_SETTINGS, resolvers: ["999.999.999.999", "10.0.0.53"] } }));
    assert.match(r.state.config, /resolver 10\.0\.0\.53(:53)? /);
    assert.ok(r.diagnostics.some((d) => d.reason === "SettingInvalid" && d.message.startsWith('spec.settings.resolvers[0]: "999.999.999.999"')));
  });
});
