import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "../core/build.js";
import { ingress, path, service, snapshot } from "../core/test-objects.js";
import { blamedIngresses, changedSince, currentExclusions, droppedIngresses, ingressFingerprint, refusalText } from "./refusals.js";

const one = ingress("one", [{ host: "a.com", paths: [path("/one", "Exact", "svc")] }]);
const result = build(snapshot({ ingresses: [one], services: [service("svc")] }));
const lineOf = (needle: string) => result.state.config.split("\n").findIndex((l) => l.includes(needle)) + 1;

test("a refusal of this config at a location's line blames its Ingress; another hash or an unowned line blames none", () => {
  const hash = result.state.hashes.config;
  assert.deepEqual(blamedIngresses({ hash, line: lineOf('location = "/one"'), message: "" }, result), ["default/one"]);
  assert.deepEqual(blamedIngresses({ hash: "other", line: lineOf('location = "/one"'), message: "" }, result), []);
  assert.deepEqual(blamedIngresses({ hash, line: lineOf("worker_processes"), message: "" }, result), []);
  assert.deepEqual(blamedIngresses({ hash, line: 0, message: "" }, result), [], "nginx named no line");
  assert.deepEqual(blamedIngresses(undefined, result), []);
});

test("what changed since the accepted build: new Ingresses and changed ones, not the unchanged", () => {
  const two = ingress("two", [{ host: "b.com", paths: [path("/two", "Exact", "svc")] }]);
  const three = ingress("three", [{ host: "c.com", paths: [path("/three", "Exact", "svc")] }]);
  const r = build(snapshot({ ingresses: [one, two, three], services: [service("svc")] }));
  const fps = new Map([one, two, three].map((i) => [`default/${i.metadata.name}`, ingressFingerprint(i)]));
  const accepted = new Map([
    ["default/one", ingressFingerprint(one)],
    ["default/two", "an older fingerprint"],
  ]);
  assert.deepEqual(changedSince(accepted, r, fps), ["default/three", "default/two"]);
  assert.deepEqual(changedSince(fps, r, fps), []);
});

test("the reason keeps nginx's words, without timestamp, pid and path", () => {
  const message =
    'nginx: [emerg] 1234#1234: pcre2_compile() failed: regular expression is too large in "^/x" in /tmp/p/conf/ab/nginx.conf:190\nnginx: configuration file /tmp/p/conf/ab/nginx.conf test failed';
  assert.equal(refusalText({ hash: "h", line: 190, message }), 'line 190: pcre2_compile() failed: regular expression is too large in "^/x"');
  assert.equal(
    refusalText({ hash: "h", line: 0, message: "nginx: [emerg] could not build server_names_hash" }),
    "no line named: could not build server_names_hash",
  );
});

test("an exclusion lasts until its Ingress changes or goes", () => {
  const ex = new Map([["default/one", { reason: "r", fingerprint: ingressFingerprint(one) }]]);
  assert.equal(currentExclusions(ex, [one]).size, 1);
  const changed = { ...one, metadata: { ...one.metadata, annotations: { "nginx.ingress.kubernetes.io/use-regex": "true" } } };
  assert.equal(currentExclusions(ex, [changed]).size, 0);
  assert.equal(currentExclusions(ex, []).size, 0);
  // A status write (resourceVersion, status) is not a change.
  assert.equal(currentExclusions(ex, [{ ...one, metadata: { ...one.metadata, resourceVersion: "9" }, status: { loadBalancer: {} } }]).size, 1);
});

test("dropped Ingresses are listed with why, for the reconciler's Degraded condition", () => {
  const r = build(snapshot({ ingresses: [one], services: [service("svc")] }), undefined, new Map([["default/one", "nginx -t refused it"]]));
  assert.deepEqual(droppedIngresses(r), ["default/one: nginx -t refused it; this Ingress is not served until it changes"]);
  assert.deepEqual(droppedIngresses(result), []);
});
