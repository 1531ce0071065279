import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { suppressPeprStamp } from "./pepr-stamp.js";

// Mirrors what Pepr 1.1.4's mutate processor does around a callback: stamp "started", run the
// callback, stamp "succeeded" (node_modules/pepr/src/lib/processors/mutate-processor.ts).
function runLikePepr(object: { metadata: { annotations?: Record<string, string> } }, callback: (req: never) => void) {
  const req = {
    Raw: structuredClone(object),
    Request: { object },
    SetAnnotation(key: string, value: string) {
      req.Raw.metadata.annotations ??= {};
      req.Raw.metadata.annotations[key] = value;
      return req;
    },
  };
  req.SetAnnotation("portico.pepr.dev/portico-admission", "started");
  callback(req as never);
  req.SetAnnotation("portico.pepr.dev/portico-admission", "succeeded");
  return req.Raw;
}

describe("suppressPeprStamp", () => {
  it("leaves an object the callback did not change identical", () => {
    const obj = { metadata: { annotations: { "kubernetes.io/ingress.class": "nginx" } } };
    assert.deepEqual(
      runLikePepr(obj, (req) => suppressPeprStamp(req, "portico-admission")),
      obj,
    );
  });
  it("removes the annotation map Pepr created only for its stamp", () => {
    const obj = { metadata: {} };
    assert.deepEqual(
      runLikePepr(obj, (req) => suppressPeprStamp(req, "portico-admission")),
      obj,
    );
  });
  it("keeps other annotations the callback sets, and other capabilities' stamps", () => {
    const out = runLikePepr({ metadata: { annotations: { "x.pepr.dev/other": "succeeded" } } }, (req: { SetAnnotation(k: string, v: string): void }) => {
      suppressPeprStamp(req as never, "portico-admission");
      req.SetAnnotation("a", "b");
    });
    assert.deepEqual(out.metadata.annotations, { "x.pepr.dev/other": "succeeded", a: "b" });
  });
  it("without suppression Pepr's stamp would be added (the behaviour being neutralised)", () => {
    assert.equal(runLikePepr({ metadata: {} }, () => {}).metadata.annotations?.["portico.pepr.dev/portico-admission"], "succeeded");
  });
});
