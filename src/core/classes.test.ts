import { test } from "node:test";
import assert from "node:assert/strict";
import { classIsServed, requestedClass } from "./classes.js";
import type { Ingress } from "./k8s-types.js";

const ing = (spec: Ingress["spec"], annotations?: Record<string, string>): Ingress => ({ metadata: { name: "x", namespace: "a", annotations }, spec });

test("the class asked for: spec.ingressClassName, then the legacy annotation, else none", () => {
  assert.equal(requestedClass(ing({ ingressClassName: "portico" }, { "kubernetes.io/ingress.class": "nginx" })), "portico");
  assert.equal(requestedClass(ing({}, { "kubernetes.io/ingress.class": "nginx" })), "nginx");
  assert.equal(requestedClass(ing({})), undefined);
});

test('kubernetes.io/ingress.class: "" names no class: the default class serves it', () => {
  const empty = ing({}, { "kubernetes.io/ingress.class": "" });
  assert.equal(requestedClass(empty), undefined);
  assert.equal(classIsServed(requestedClass(empty), new Set(["portico"]), true), true);
  assert.equal(classIsServed(requestedClass(empty), new Set(["portico"]), false), false);
});
