import { test } from "node:test";
import assert from "node:assert/strict";
import { controllerIdentity } from "./identity.js";

const ic = (ns: string, name: string) => ({ metadata: { namespace: ns, name } });
const cls = (name: string, spec: object, isDefault = false) => ({
  metadata: { name, annotations: isDefault ? { "ingressclass.kubernetes.io/is-default-class": "true" } : undefined },
  spec,
});

test("classes are matched to controllers by their parameters; foreign controllers are ignored", () => {
  const a = ic("portico-system", "default");
  const b = ic("team", "edge");
  const classes = [
    cls(
      "portico",
      {
        controller: "portico.dev/ingress-controller",
        parameters: { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", namespace: "portico-system", name: "default" },
      },
      true,
    ),
    cls("edge", {
      controller: "portico.dev/ingress-controller",
      parameters: { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", namespace: "team", name: "edge" },
    }),
    cls("nginx", { controller: "k8s.io/ingress-nginx" }, true),
  ];
  assert.deepEqual(controllerIdentity(a, classes, [a, b]), {
    namespace: "portico-system",
    name: "default",
    ingressClassNames: ["portico"],
    servesDefaultClass: true,
  });
  assert.deepEqual(controllerIdentity(b, classes, [a, b]), { namespace: "team", name: "edge", ingressClassNames: ["edge"], servesDefaultClass: false });
});

test("a class of ours without parameters goes to the first controller", () => {
  const a = ic("a", "one");
  const b = ic("b", "two");
  const classes = [cls("plain", { controller: "portico.dev/ingress-controller" })];
  assert.deepEqual(controllerIdentity(a, classes, [b, a]).ingressClassNames, ["plain"]);
  assert.deepEqual(controllerIdentity(b, classes, [b, a]).ingressClassNames, []);
});
