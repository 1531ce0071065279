import { test } from "node:test";
import assert from "node:assert/strict";
import { buildCrd, intOrStringRule, toStructural } from "./crd.js";
import { schemaFiles, staleFiles } from "../../scripts/gen/build.js";

function walk(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = ""): void {
  if (Array.isArray(node)) return node.forEach((n, i) => walk(n, visit, `${path}[${i}]`));
  if (!node || typeof node !== "object") return;
  visit(node as Record<string, unknown>, path);
  for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}.${k}`);
}

test("the CRD names match the design", () => {
  const crd = buildCrd();
  assert.equal(crd.metadata.name, "ingresscontrollers.portico.dev");
  assert.equal(crd.spec.scope, "Namespaced");
  assert.deepEqual(crd.spec.names.shortNames, ["ic"]);
  const v = crd.spec.versions[0];
  assert.equal(v.name, "v1alpha1");
  assert.deepEqual(v.subresources, { status: {} });
  assert.deepEqual(
    v.additionalPrinterColumns.map((c) => c.name),
    ["Class", "Replicas", "Available", "Address", "Config", "Ready", "Age"],
  );
});

test("the CRD schema is structural: no additionalProperties beside properties, typed int-or-string", () => {
  walk(buildCrd().spec.versions[0].schema.openAPIV3Schema, (n, path) => {
    assert.ok(!(n.properties && "additionalProperties" in n), `additionalProperties beside properties at ${path}`);
    if (n["x-kubernetes-int-or-string"]) assert.deepEqual(n.anyOf, [{ type: "integer" }, { type: "string" }], path);
  });
});

test("int-or-string branch constraints become a CEL rule", () => {
  const r = intOrStringRule([
    { type: "integer", minimum: 1, maximum: 256 },
    { type: "string", enum: ["auto"] },
  ]);
  assert.equal(r.rule, '(type(self) == int && self >= 1 && self <= 256) || (type(self) == string && (self == "auto"))');
  assert.equal(r.message, "must be an integer between 1 and 256 or one of auto");
});

test("toStructural keeps defaults and enums verbatim", () => {
  assert.deepEqual(toStructural({ type: "object", additionalProperties: false, default: {}, properties: { a: { enum: ["x"] } } }), {
    type: "object",
    default: {},
    properties: { a: { enum: ["x"] } },
  });
});

test("committed generated files (CRD, chart CRD, TypeScript types) are current", () => {
  assert.deepEqual(staleFiles(schemaFiles()), [], "run `npm run build`");
});
