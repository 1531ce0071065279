import { test } from "node:test";
import assert from "node:assert/strict";
import { changeMatters } from "./relevance.js";
import { addIngressReferences, emptyReferences } from "./references.js";

const refs = emptyReferences();
refs.classNames.add("portico");
addIngressReferences(
  {
    metadata: { name: "web", namespace: "shop" },
    spec: {
      ingressClassName: "portico",
      rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "s1", port: { number: 80 } } } }] } }],
      tls: [{ secretName: "cert" }],
    },
  },
  refs,
);

test("an Ingress matters when it is or was of our class", () => {
  const ours = { metadata: { name: "x", namespace: "a" }, spec: { ingressClassName: "portico" } };
  const theirs = { metadata: { name: "x", namespace: "a" }, spec: { ingressClassName: "nginx" } };
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: ours }, refs), true);
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: theirs }, refs), false);
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", previous: ours, current: theirs }, refs), true);
  const legacy = { metadata: { name: "x", namespace: "a", annotations: { "kubernetes.io/ingress.class": "portico" } } };
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: legacy }, refs), true);
  const classless = { metadata: { name: "x", namespace: "a" } };
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: classless }, refs), false);
});

test("referenced Services, their EndpointSlices and Secrets matter; others do not", () => {
  assert.equal(changeMatters({ kind: "Service", key: "shop/s1", current: { metadata: { name: "s1", namespace: "shop" } } }, refs), true);
  assert.equal(changeMatters({ kind: "Service", key: "shop/s2", current: { metadata: { name: "s2", namespace: "shop" } } }, refs), false);
  const slice = (svc: string) => ({
    metadata: { name: `${svc}-abc`, namespace: "shop", labels: { "kubernetes.io/service-name": svc } },
    addressType: "IPv4" as const,
  });
  assert.equal(changeMatters({ kind: "EndpointSlice", key: "shop/s1-abc", current: slice("s1") }, refs), true);
  assert.equal(changeMatters({ kind: "EndpointSlice", key: "shop/s9-abc", current: slice("s9") }, refs), false);
  assert.equal(changeMatters({ kind: "Secret", key: "shop/cert", current: { metadata: { name: "cert", namespace: "shop" } } }, refs), true);
  assert.equal(changeMatters({ kind: "Secret", key: "shop/other", current: { metadata: { name: "other", namespace: "shop" } } }, refs), false);
});

test('an Ingress with kubernetes.io/ingress.class: "" matters when the default class is served (as the build serves it)', () => {
  const withDefault = emptyReferences();
  withDefault.classNames.add("portico");
  withDefault.defaultClassServed = true;
  const empty = { metadata: { name: "x", namespace: "a", annotations: { "kubernetes.io/ingress.class": "" } } };
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: empty }, withDefault), true);
  assert.equal(changeMatters({ kind: "Ingress", key: "a/x", current: empty }, refs), false);
});

test("an auth-secret named by a served Ingress is referenced (its changes rebuild; the store keeps it); another namespace's is not", () => {
  const r = emptyReferences();
  r.classNames.add("portico");
  const ing = (ns: string, secret: string) => ({
    metadata: {
      name: "i",
      namespace: ns,
      annotations: { "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": secret },
    },
    spec: { ingressClassName: "portico" },
  });
  addIngressReferences(ing("a", "users"), r);
  addIngressReferences(ing("b", "other/users"), r);
  assert.deepEqual([...r.annotationSecrets], ["a/users"]);
  assert.ok(r.secrets.has("a/users"));
  assert.ok(!r.secrets.has("other/users"));
});

test("auth-tls-secret and proxy-ssl-secret are referenced like auth-secret (own namespace only)", () => {
  const r = emptyReferences();
  r.classNames.add("portico");
  addIngressReferences(
    {
      metadata: {
        name: "i",
        namespace: "a",
        annotations: {
          "nginx.ingress.kubernetes.io/auth-tls-secret": "a/client-ca",
          "nginx.ingress.kubernetes.io/proxy-ssl-secret": "backend-tls",
          "portico.dev/auth-secret": "ingress-nginx/foreign",
        },
      },
      spec: { ingressClassName: "portico" },
    },
    r,
  );
  assert.deepEqual([...r.annotationSecrets].sort(), ["a/backend-tls", "a/client-ca"]);
  // Another namespace's CA Secret is watched too, for its CA data only; a credential never is.
  addIngressReferences(
    {
      metadata: { name: "j", namespace: "b", annotations: { "nginx.ingress.kubernetes.io/auth-tls-secret": "ingress-nginx/shared-ca" } },
      spec: { ingressClassName: "portico" },
    },
    r,
  );
  assert.deepEqual([...r.annotationSecrets].sort(), ["a/backend-tls", "a/client-ca", "ingress-nginx/shared-ca"]);
  assert.deepEqual([...r.fullSecrets].sort(), ["a/backend-tls", "a/client-ca"]);
});

test("an IngressController matters for what the build reads of it, not the status reported on it", () => {
  const ic = (status: Record<string, unknown>, generation = 1) => ({
    metadata: { name: "p", namespace: "ns", uid: "u", generation },
    spec: { settings: {} },
    status,
  });
  const change = (a: ReturnType<typeof ic>, b: ReturnType<typeof ic>) =>
    changeMatters({ kind: "IngressController", key: "ns/p", previous: a, current: b }, refs);
  assert.equal(change(ic({ appliedConfigHash: "a", reloads: 1 }), ic({ appliedConfigHash: "b", reloads: 2, desiredConfigHash: "b" })), false);
  assert.equal(change(ic({}), ic({ publishedAddress: "10.0.0.1" })), true);
  assert.equal(change(ic({}), ic({ refusedConfig: { hash: "h", line: 3, message: "m" } })), true);
  assert.equal(change(ic({}), ic({}, 2)), true);
  assert.equal(changeMatters({ kind: "IngressController", key: "ns/p", current: ic({}) }, refs), true);
});

test("an Ingress's status alone (the address the rebuild writes) does not matter", () => {
  const ing = (status: object, annotations: Record<string, string> = {}) => ({
    metadata: { name: "x", namespace: "a", annotations },
    spec: { ingressClassName: "portico" },
    status,
  });
  const change = (a: ReturnType<typeof ing>, b: ReturnType<typeof ing>) => changeMatters({ kind: "Ingress", key: "a/x", previous: a, current: b }, refs);
  assert.equal(change(ing({}), ing({ loadBalancer: { ingress: [{ ip: "10.0.0.1" }] } })), false);
  assert.equal(change(ing({}), ing({}, { "nginx.ingress.kubernetes.io/ssl-redirect": "false" })), true);
});

test("the applied hash matters while the controller holds suspected Ingresses back until a config without them is applied", () => {
  const ic = (appliedConfigHash: string) => ({ metadata: { name: "p", namespace: "ns", uid: "u", generation: 1 }, spec: {}, status: { appliedConfigHash } });
  const waiting = { ...emptyReferences(), awaitingApplied: new Set(["ns/p"]) };
  assert.equal(changeMatters({ kind: "IngressController", key: "ns/p", previous: ic("a"), current: ic("b") }, waiting), true);
  assert.equal(changeMatters({ kind: "IngressController", key: "ns/p", previous: ic("a"), current: ic("a") }, waiting), false);
  assert.equal(changeMatters({ kind: "IngressController", key: "ns/p", previous: ic("a"), current: ic("b") }, emptyReferences()), false);
});
