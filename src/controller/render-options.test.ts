import assert from "node:assert/strict";
import { test } from "node:test";
import { build } from "../core/build.js";
import { ingress, path, service, slice, snapshot } from "../core/test-objects.js";
import { renderOptionsFor } from "./controller.js";

const redirected = snapshot({
  ingresses: [
    ingress("web", [{ host: "shop.example", paths: [path("/", "Prefix", "web")] }], {
      annotations: { "nginx.ingress.kubernetes.io/force-ssl-redirect": "true" },
    }),
  ],
  services: [service("web")],
  endpointSlices: [slice("web", ["10.0.0.1"])],
});

test("in a pod the https redirect names the Service's port 443, not the container's 8443", () => {
  const opts = renderOptionsFor({ metadata: { name: "portico", namespace: "portico-system" }, spec: {} });
  assert.equal(opts.httpsPort, 8443, "the pod listens on 8443");
  const { config } = build(redirected, opts).state;
  assert.match(config, /return 308 https:\/\/\$host\$request_uri;/);
  assert.doesNotMatch(config, /https:\/\/\$host:8443/);
});

test("a local process (spec.listen) is reached on its own port, so the redirect names it", () => {
  const opts = renderOptionsFor({ metadata: { name: "portico", namespace: "portico-system" }, spec: { listen: { httpsPort: 9443 } } });
  const { config } = build(redirected, opts).state;
  assert.match(config, /return 308 https:\/\/\$host:9443\$request_uri;/);
});
