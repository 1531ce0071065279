import { test } from "node:test";
import assert from "node:assert/strict";
import { dropBookkeeping, LAST_APPLIED_ANNOTATION } from "./kept-fields.js";

test("managedFields and kubectl's last-applied copy are dropped from the object itself; the rest is kept", () => {
  const obj = {
    kind: "Ingress",
    metadata: {
      name: "a",
      namespace: "n",
      uid: "u",
      resourceVersion: "7",
      managedFields: [{ manager: "kubectl" }],
      annotations: { [LAST_APPLIED_ANNOTATION]: "{...}", "nginx.ingress.kubernetes.io/ssl-redirect": "false" },
      labels: { app: "a" },
    },
    spec: { rules: [] },
  };
  const out = dropBookkeeping(obj);
  assert.equal(out, obj, "the same object: whoever else holds it (the watch client's cache) holds the slim one");
  assert.deepEqual(obj.metadata, {
    name: "a",
    namespace: "n",
    uid: "u",
    resourceVersion: "7",
    annotations: { "nginx.ingress.kubernetes.io/ssl-redirect": "false" },
    labels: { app: "a" },
  });
  assert.deepEqual(obj.spec, { rules: [] });
});

test("an object without bookkeeping is left as it is", () => {
  const meta = { name: "a", annotations: { x: "1" } };
  const obj = { metadata: meta };
  dropBookkeeping(obj);
  assert.equal(obj.metadata, meta);
  assert.deepEqual(dropBookkeeping({ kind: "List" } as { metadata?: object }), { kind: "List" });
});
