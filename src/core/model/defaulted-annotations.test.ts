// A value ingress-nginx read as "use the default" is served with the default by the build too,
// with a Warning on the Ingress (for Ingresses that bypassed admission's warning).

import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../build.js";
import { ingress, path, service, snapshot } from "../test-objects.js";

test('proxy-buffers-number "8 32k": served with the default buffers, and a DefaultUsed Warning', () => {
  const ing = ingress("big-headers", [{ host: "a.example.com", paths: [path("/", "Prefix", "svc")] }], {
    annotations: { "nginx.ingress.kubernetes.io/proxy-buffers-number": "8 32k", "nginx.ingress.kubernetes.io/proxy-buffering": "on" },
  });
  const r = build(snapshot({ ingresses: [ing], services: [service("svc")] }));
  assert.deepEqual(r.servedIngresses, ["default/big-headers"]);
  assert.doesNotMatch(r.state.config, /proxy_buffers 8|32k/);
  const d = r.diagnostics.filter((x) => x.object.name === "big-headers");
  assert.deepEqual(
    d.map((x) => [x.severity, x.reason]),
    [["Warning", "DefaultUsed"]],
  );
  assert.match(d[0]!.message, /write nginx\.ingress\.kubernetes\.io\/proxy-buffers-number: "8" and proxy-buffer-size: "32k"/);
});
