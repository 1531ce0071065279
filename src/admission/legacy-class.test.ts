import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { buildClassView } from "./classes.js";
import { legacyClassToSet } from "./legacy-class.js";
import { ingress, otherClass, ourClass } from "./testing/fixtures.js";

const view = buildClassView([ourClass("portico"), otherClass("nginx")]);
const legacy = (cls: string, className: string | null = null) => ingress({ className, annotations: { "kubernetes.io/ingress.class": cls } });

describe("legacyClassToSet", () => {
  it("our class named only by the legacy annotation is set in spec.ingressClassName", () => assert.equal(legacyClassToSet(legacy("portico"), view), "portico"));
  it("another controller's class is left alone", () => assert.equal(legacyClassToSet(legacy("nginx"), view), undefined));
  it("an unknown class is left alone", () => assert.equal(legacyClassToSet(legacy("whatever"), view), undefined));
  it("an Ingress that already has spec.ingressClassName is left alone", () => assert.equal(legacyClassToSet(legacy("portico", "portico"), view), undefined));
  it("an Ingress without the annotation is left alone", () => assert.equal(legacyClassToSet(ingress({ className: null }), view), undefined));
});
