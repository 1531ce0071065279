// Abuse, part 2 (issue 10: takeover): team-b, a real tenant, tries to take traffic, TLS or an
// ACME challenge of team-a's host, to shadow the data plane's probe endpoint, and to make two
// namespaces' upstreams collide. Each attempt is refused at admission naming the field; written
// with admission bypassed, the build ignores it with a HostNotOwned Event on the culprit while
// team-a's host keeps answering from team-a's backend and a change team-a makes is applied.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { eventually } from "../../src/local/http.js";
import { request } from "../../src/local/http.js";
import type { PorticoEnv } from "../../src/local/portico-env.js";
import { makeCertificate } from "../../src/testing/certs.js";
import {
  admitted,
  backend,
  createTenant,
  eventNamed,
  refused,
  regexIngress,
  servedBy,
  tlsSecret,
  twoTenants,
  Victim,
  withAdmissionBypassed,
  type Tenant,
} from "./support.js";

let env: PorticoEnv;
let teamA: Victim;
let teamB: Tenant;
const A_HOST = "a.example.test";
const B = "team-b";
const OWNED_BY_A = 'belongs to namespace "team-a"';

before(async () => {
  ({ env, teamA, teamB } = await twoTenants(A_HOST));
});

after(async () => {
  await env?.stop();
});

/** team-a's host still answers from team-a's backend on `path`. */
async function stillTeamA(path: string) {
  await servedBy(env, A_HOST, path, teamA.backend);
}

describe("takeover of another namespace's host", () => {
  test("team-b adds /(?:.*) with use-regex on team-a's host: refused; bypassed, ignored (HostNotOwned); team-a keeps its traffic", async () => {
    const grab = regexIngress(B, "grab", A_HOST, ["/(?:.*)"]);
    await refused(teamB, grab, "spec.rules[0].host", OWNED_BY_A);
    await withAdmissionBypassed(env, () => env.cluster.apply(grab));
    await eventNamed(env, B, "grab", ["HostNotOwned", "spec.rules[0]", OWNED_BY_A]);
    for (const path of ["/", "/anything", "/deep/path.html"]) await stillTeamA(path);
    await teamA.stillConverges();
  });

  test("team-b switches team-a's HTTP-only host to TLS with its own certificate: refused; bypassed, ignored: no redirect, not team-b's certificate", async () => {
    const cert = makeCertificate([A_HOST]);
    await admitted(teamB, tlsSecret(B, "a-cert", cert)); // a Secret alone in its own namespace is team-b's business
    const tls = ingressManifest(B, "tls-grab", {
      ingressClassName: "portico",
      tls: [{ hosts: [A_HOST], secretName: "a-cert" }],
      rules: [prefixRule("tls.b.example.test", [["/", "web"]])],
    });
    await refused(teamB, tls, "spec.tls[0].hosts[0]", OWNED_BY_A);
    await withAdmissionBypassed(env, () => env.cluster.apply(tls));
    await eventNamed(env, B, "tls-grab", ["HostNotOwned", "spec.tls[0].hosts[0]", OWNED_BY_A]);
    await servedBy(env, "tls.b.example.test", "/", `${B}/web`); // the rest of team-b's Ingress serves
    await teamA.stillConverges();
    const plain = await env.get(A_HOST, "/");
    assert.equal(plain.status, 200, `HTTP to team-a's host: ${plain.status} ${plain.headers.location ?? ""} (no redirect to TLS)`);
    const https = await env.get(A_HOST, "/", { https: true });
    assert.notEqual(https.certificateFingerprint, cert.fingerprint256, "team-a's host presented team-b's certificate");
  });

  test("team-b adds an ACME HTTP-01 challenge path on team-a's host: refused; bypassed, ignored; the path stays team-a's", async () => {
    const acme = ingressManifest(B, "acme-grab", {
      ingressClassName: "portico",
      rules: [
        {
          host: A_HOST,
          http: { paths: [{ path: "/.well-known/acme-challenge/token", pathType: "Exact", backend: { service: { name: "web", port: { number: 80 } } } }] },
        },
      ],
    });
    await refused(teamB, acme, "spec.rules[0].host", OWNED_BY_A);
    await withAdmissionBypassed(env, () => env.cluster.apply(acme));
    await eventNamed(env, B, "acme-grab", ["HostNotOwned", "spec.rules[0]", OWNED_BY_A]);
    await stillTeamA("/.well-known/acme-challenge/token");
    await teamA.stillConverges();
  });

  test("a hostless Exact /healthz does not reach the probe endpoint: it stays on its own port and answers ok", async () => {
    const ic = JSON.parse(await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "ingresscontroller", env.mode.controllerName, "-o", "json"]));
    const probePort = Number(ic.spec.listen.probePort);
    assert.ok(probePort > 0 && probePort !== env.mode.httpPort && probePort !== env.mode.httpsPort, "the probe has a port of its own");
    // The default server is nobody's yet: the first namespace to use it owns it (the same rule as a host).
    await admitted(
      teamB,
      ingressManifest(B, "healthz", {
        ingressClassName: "portico",
        rules: [{ http: { paths: [{ path: "/healthz", pathType: "Exact", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
      }),
    );
    await servedBy(env, "unknown.example.test", "/healthz", `${B}/web`);
    const probe = await request({ address: "127.0.0.1", port: probePort, host: "anything", path: "/healthz" });
    assert.equal(probe.status, 200);
    assert.equal(probe.body, "ok", "the probe answered itself, not team-b's backend");
    // And the default server is now team-b's: team-a cannot add hostless rules to it.
    const hostless = ingressManifest("team-a", "hostless", {
      ingressClassName: "portico",
      rules: [{ http: { paths: [{ path: "/status", pathType: "Exact", backend: { service: { name: "web", port: { number: 80 } } } }] } }],
    });
    await refused(teamA.tenant, hostless, "spec.rules[0]", "the default server", 'belongs to namespace "team-b"');
    await teamA.stillConverges();
  });
});

describe("upstream names are injective across namespaces", () => {
  test("namespace a-b Service c and namespace a Service b-c each route to their own backend", async () => {
    const ab = await createTenant(env.cluster, "a-b");
    const a = await createTenant(env.cluster, "a");
    await backend(env, "a-b", "c", "pod-ab-c");
    await backend(env, "a", "b-c", "pod-a-bc");
    await admitted(ab, ingressManifest("a-b", "site", { ingressClassName: "portico", rules: [prefixRule("ab.example.test", [["/", "c"]])] }));
    await admitted(a, ingressManifest("a", "site", { ingressClassName: "portico", rules: [prefixRule("a.collide.example.test", [["/", "b-c"]])] }));
    await eventually(async () => {
      for (let i = 0; i < 6; i++) {
        assert.equal((await env.get("ab.example.test", "/")).json?.service, "a-b/c");
        assert.equal((await env.get("a.collide.example.test", "/")).json?.service, "a/b-c");
      }
    }, 30_000);
  });
});
