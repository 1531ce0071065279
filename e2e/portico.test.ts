// End to end on a real kube-apiserver and a real nginx: Ingresses applied with kubectl route real
// traffic to fake pods on the pod network; endpoint and certificate changes apply with no reload.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import { X509Certificate } from "node:crypto";
import type { EchoPod } from "../src/local/cluster/index.js";
import { endpointSliceManifest, exposePods, ingressManifest, prefixRule, serviceManifest } from "../src/local/backends.js";
import { eventually } from "../src/local/http.js";
import { makeCertificate } from "../src/testing/certs.js";
import { nginxPids, reloadedBetween } from "./support/nginx-pids.js";
import { parseStateIndex, stateObjectNames } from "../src/core/state-objects.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";

const NS = "shop";
let env: PorticoEnv;
const pods: Record<string, EchoPod> = {};

function selfSignedTls(cn: string): { crt: string; key: string } {
  const c = makeCertificate([cn], 2);
  return { crt: c.certificate, key: c.key };
}

function tlsSecret(name: string, pair: { crt: string; key: string }) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: NS },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(pair.crt).toString("base64"), "tls.key": Buffer.from(pair.key).toString("base64") },
  };
}

function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

/**
 * Waits until the agent has applied the config the controller last published (a new plain host
 * answers from a dynamic route before its reload: a "no reload" check must start after that).
 */
async function configSettled(): Promise<void> {
  await eventually(async () => {
    const ns = env.mode.namespace;
    const index = JSON.parse(await env.cluster.kubectlOk(["-n", ns, "get", "configmap", stateObjectNames(env.mode.controllerName).index, "-o", "json"]));
    const ic = JSON.parse(await env.cluster.kubectlOk(["-n", ns, "get", "ingresscontroller", env.mode.controllerName, "-o", "json"]));
    assert.equal(ic.status?.appliedConfigHash, parseStateIndex(index).hashes.config, "the agent applied the published config");
  }, 60_000);
}

async function servedBy(host: string, path: string, expected: string, https = false) {
  return eventually(async () => {
    const a = await env.get(host, path, { https });
    assert.equal(a.status, 200, `${host}${path}: status ${a.status} ${a.body.slice(0, 200)}`);
    assert.equal(a.json?.service, expected, `${host}${path} served by ${a.json?.service}`);
    return a;
  });
}

async function statusIs(host: string, path: string, status: number, https = false) {
  return eventually(async () => {
    const a = await env.get(host, path, { https });
    assert.equal(a.status, status, `${host}${path}: expected ${status}, got ${a.status} (${a.json?.service ?? a.body.slice(0, 80)})`);
    return a;
  });
}

before(async () => {
  env = await startPorticoEnv();
  await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const [svc, names] of [
    ["s1", ["s1-a", "s1-b"]],
    ["s2", ["s2-a"]],
    ["s3", ["s3-a"]],
  ] as const) {
    const started = [];
    for (const pod of names) started.push((pods[pod] = await env.cluster.startEchoPod({ service: `${NS}/${svc}`, pod, port: 8080 })));
    await exposePods(env.cluster, NS, svc, started);
  }
});

after(async () => {
  await env?.stop();
});

describe("the classic Ingress examples", () => {
  test("a single-service Ingress (default backend only) serves every host", async () => {
    await env.cluster.apply(ingressManifest(NS, "single", { defaultBackend: { service: { name: "s3", port: { number: 80 } } } }));
    await servedBy("anything.example", "/some/path", `${NS}/s3`);
    // It catches every unmatched request: remove it so later tests see the 404 default backend.
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "single"]);
    await statusIs("anything.example", "/some/path", 404);
  });

  test("fan-out: foo.bar.com /foo -> s1, /bar -> s2; other paths get the default backend 404", async () => {
    await env.cluster.apply(
      ingressManifest(NS, "fanout", {
        rules: [
          prefixRule("foo.bar.com", [
            ["/foo", "s1"],
            ["/bar", "s2"],
          ]),
        ],
      }),
    );
    await servedBy("foo.bar.com", "/foo", `${NS}/s1`);
    await servedBy("foo.bar.com", "/bar/x", `${NS}/s2`);
    const other = await env.get("foo.bar.com", "/foobar");
    assert.notEqual(other.json?.service, `${NS}/s1`, "/foobar must not match the /foo prefix");
  });

  test("name-based virtual hosts share one address", async () => {
    await env.cluster.apply(
      ingressManifest(NS, "vhosts", { rules: [prefixRule("one.example.com", [["/", "s1"]]), prefixRule("two.example.com", [["/", "s2"]])] }),
    );
    await servedBy("one.example.com", "/", `${NS}/s1`);
    await servedBy("TWO.example.com", "/", `${NS}/s2`);
  });

  test("the address is published on status.loadBalancer", async () => {
    await eventually(async () => {
      const ing = JSON.parse(await env.cluster.kubectlOk(["-n", NS, "get", "ingress", "vhosts", "-o", "json"]));
      assert.deepEqual(ing.status?.loadBalancer?.ingress, [{ ip: "127.0.0.1" }]);
    });
  });
});

describe("IngressController status", () => {
  test("shows what the agent applied: the published config hash, reloads, ConfigApplied", async () => {
    await eventually(async () => {
      const ic = JSON.parse(await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "ingresscontroller", env.mode.controllerName, "-o", "json"]));
      assert.match(ic.status?.desiredConfigHash ?? "", /^[0-9a-f]{64}$/);
      assert.equal(ic.status?.appliedConfigHash, ic.status?.desiredConfigHash);
      assert.equal(typeof ic.status?.reloads, "number");
      assert.equal(ic.status?.lastError, "");
      const applied = ic.status?.conditions?.find((c: { type: string }) => c.type === "ConfigApplied");
      assert.equal(applied?.status, "True", JSON.stringify(applied));
    }, 30_000);
  });
});

describe("TLS", () => {
  test("a TLS host serves its certificate by SNI, redirects HTTP with 308 and sends HSTS", async () => {
    const pair = selfSignedTls("secure.example.com");
    await env.cluster.apply(tlsSecret("secure-tls", pair));
    await env.cluster.apply(
      ingressManifest(NS, "secure", {
        tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }],
        rules: [prefixRule("secure.example.com", [["/", "s1"]])],
      }),
    );
    const a = await servedBy("secure.example.com", "/", `${NS}/s1`, true);
    assert.equal(a.certificateFingerprint, fingerprintOf(pair.crt));
    assert.match(String(a.headers["strict-transport-security"]), /max-age=\d+/);
    const redirect = await statusIs("secure.example.com", "/x?y=1", 308);
    const port = env.mode.httpsPort === 443 ? "" : `:${env.mode.httpsPort}`;
    assert.equal(redirect.headers.location, `https://secure.example.com${port}/x?y=1`);
  });

  test("a Secret rotated in place is served with no reload", async () => {
    await configSettled();
    const before = nginxPids(env.mode.nginxPrefix);
    const next = selfSignedTls("secure.example.com");
    await env.cluster.apply(tlsSecret("secure-tls", next));
    await eventually(async () => {
      const a = await env.get("secure.example.com", "/", { https: true });
      assert.equal(a.certificateFingerprint, fingerprintOf(next.crt));
    });
    assert.equal(reloadedBetween(before, nginxPids(env.mode.nginxPrefix)), false, "new nginx workers: the rotation caused a reload");
  });
});

describe("changes", () => {
  test("a path changed by update: the old path 404, the new one 200", async () => {
    await env.cluster.apply(ingressManifest(NS, "moving", { rules: [prefixRule("move.example.com", [["/old", "s1"]])] }));
    await servedBy("move.example.com", "/old", `${NS}/s1`);
    await env.cluster.kubectlOk(["replace", "-f", "-"], {
      input: JSON.stringify(ingressManifest(NS, "moving", { rules: [prefixRule("move.example.com", [["/new", "s2"]])] })),
    });
    await servedBy("move.example.com", "/new", `${NS}/s2`);
    await statusIs("move.example.com", "/old", 404);
  });

  test("an Ingress deleted: its routes are gone", async () => {
    await env.cluster.apply(ingressManifest(NS, "doomed", { rules: [prefixRule("doomed.example.com", [["/", "s1"]])] }));
    await servedBy("doomed.example.com", "/", `${NS}/s1`);
    await env.cluster.kubectlOk(["-n", NS, "delete", "ingress", "doomed"]);
    await statusIs("doomed.example.com", "/", 404);
  });

  test("endpoints added and removed: traffic follows with no reload and no failed request", async () => {
    await env.cluster.apply(ingressManifest(NS, "scaling", { rules: [prefixRule("scale.example.com", [["/", "s2"]])] }));
    await servedBy("scale.example.com", "/", `${NS}/s2`);
    const extra = await env.cluster.startEchoPod({ service: `${NS}/s2`, pod: "s2-b", port: 8080 });
    await configSettled();
    const pidsBefore = nginxPids(env.mode.nginxPrefix);
    let failures = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const a = await env.get("scale.example.com", "/").catch(() => undefined);
        if (!a || a.status !== 200) failures++;
      }
    })();
    await env.cluster.apply(endpointSliceManifest(NS, "s2", [{ ip: pods["s2-a"]!.ip }, { ip: extra.ip }]));
    await eventually(async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) seen.add((await env.get("scale.example.com", "/")).json?.pod ?? "");
      assert.ok(seen.has("s2-b"), `new endpoint not used: ${[...seen]}`);
    });
    await env.cluster.apply(endpointSliceManifest(NS, "s2", [{ ip: extra.ip }]));
    await eventually(async () => {
      for (let i = 0; i < 6; i++) assert.equal((await env.get("scale.example.com", "/")).json?.pod, "s2-b");
    });
    await env.cluster.apply(endpointSliceManifest(NS, "s2", [{ ip: pods["s2-a"]!.ip }]));
    await eventually(async () => assert.equal((await env.get("scale.example.com", "/")).json?.pod, "s2-a"));
    running = false;
    await load;
    await extra.stop();
    assert.equal(failures, 0, "requests failed while endpoints changed");
    assert.equal(reloadedBetween(pidsBefore, nginxPids(env.mode.nginxPrefix)), false, "endpoint changes reloaded nginx");
  });

  test("a canary Ingress: by header, then its weight changed with kubectl apply; traffic follows with no reload", async () => {
    await env.cluster.apply(ingressManifest(NS, "shop-main", { rules: [prefixRule("canary.example.com", [["/", "s1"]])] }));
    await servedBy("canary.example.com", "/", `${NS}/s1`);
    const canary = (weight: string) =>
      ingressManifest(
        NS,
        "shop-canary",
        { rules: [prefixRule("canary.example.com", [["/", "s3"]])] },
        {
          "nginx.ingress.kubernetes.io/canary": "true",
          "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary",
          "nginx.ingress.kubernetes.io/canary-weight": weight,
        },
      );
    await configSettled();
    const pidsBefore = nginxPids(env.mode.nginxPrefix);
    await env.cluster.apply(canary("0"));
    await eventually(async () => assert.equal((await env.get("canary.example.com", "/", { headers: { "x-canary": "always" } })).json?.service, `${NS}/s3`));
    for (let i = 0; i < 10; i++) assert.equal((await env.get("canary.example.com", "/")).json?.service, `${NS}/s1`, "weight 0: only the header routes");
    await env.cluster.apply(canary("100"));
    await eventually(async () => {
      for (let i = 0; i < 10; i++) assert.equal((await env.get("canary.example.com", "/")).json?.service, `${NS}/s3`, "weight 100: every request");
    });
    await env.cluster.apply(canary("0"));
    await eventually(async () => {
      for (let i = 0; i < 10; i++) assert.equal((await env.get("canary.example.com", "/")).json?.service, `${NS}/s1`);
    });
    assert.equal(reloadedBetween(pidsBefore, nginxPids(env.mode.nginxPrefix)), false, "adding a canary and changing its weight reloaded nginx");
  });

  test("a not-ready endpoint is never used", async () => {
    const sick = await env.cluster.startEchoPod({ service: `${NS}/s3`, pod: "s3-sick", port: 8080 });
    await env.cluster.apply(endpointSliceManifest(NS, "s3", [{ ip: pods["s3-a"]!.ip }, { ip: sick.ip, ready: false }]));
    await env.cluster.apply(ingressManifest(NS, "readiness", { rules: [prefixRule("ready.example.com", [["/", "s3"]])] }));
    await servedBy("ready.example.com", "/", `${NS}/s3`);
    for (let i = 0; i < 20; i++) assert.equal((await env.get("ready.example.com", "/")).json?.pod, "s3-a");
    await sick.stop();
  });

  test("a Service deleted gives 503", async () => {
    await env.cluster.apply([serviceManifest(NS, "gone"), endpointSliceManifest(NS, "gone", [{ ip: pods["s1-a"]!.ip }])]);
    await env.cluster.apply(ingressManifest(NS, "gone", { rules: [prefixRule("gone.example.com", [["/", "gone"]])] }));
    await eventually(async () => assert.equal((await env.get("gone.example.com", "/")).status, 200));
    await env.cluster.kubectlOk(["-n", NS, "delete", "service/gone", "endpointslice/gone-manual"]);
    await statusIs("gone.example.com", "/", 503);
  });
});

describe("events", () => {
  test("an Ingress whose Service does not exist gets a ServiceNotFound Event and answers 503", async () => {
    await env.cluster.apply(ingressManifest(NS, "orphan", { rules: [prefixRule("orphan.example.com", [["/", "nowhere"]])] }));
    await statusIs("orphan.example.com", "/", 503);
    await eventually(async () => {
      const events = JSON.parse(
        await env.cluster.kubectlOk(["-n", NS, "get", "events", "--field-selector", "involvedObject.kind=Ingress,involvedObject.name=orphan", "-o", "json"]),
      );
      const reasons = events.items.map((e: { reason: string; message: string }) => `${e.reason}: ${e.message}`);
      assert.ok(
        reasons.some((r: string) => r.startsWith("ServiceNotFound") && r.includes("nowhere")),
        `events: ${JSON.stringify(reasons)}`,
      );
    });
  });
});

describe("classes", () => {
  test("an Ingress of another class is ignored and untouched", async () => {
    await env.cluster.apply(ingressManifest(NS, "foreign", { ingressClassName: "other", rules: [prefixRule("foreign.example.com", [["/", "s1"]])] }));
    await env.cluster.apply(ingressManifest(NS, "marker", { rules: [prefixRule("marker.example.com", [["/", "s1"]])] }));
    await servedBy("marker.example.com", "/", `${NS}/s1`); // applied after: once it routes, the foreign one was seen
    assert.equal((await env.get("foreign.example.com", "/")).status, 404);
    const ing = JSON.parse(await env.cluster.kubectlOk(["-n", NS, "get", "ingress", "foreign", "-o", "json"]));
    assert.equal(ing.status?.loadBalancer?.ingress, undefined);
    assert.deepEqual(
      Object.keys(ing.metadata.annotations ?? {}).filter((k) => !k.startsWith("kubectl.kubernetes.io/")),
      [],
    );
    assert.equal(ing.metadata.finalizers, undefined);
  });

  test("the default IngressClass is honoured for an Ingress without a class", async () => {
    await env.cluster.apply(ingressManifest(NS, "classless", { rules: [prefixRule("classless.example.com", [["/", "s2"]])] }));
    await servedBy("classless.example.com", "/", `${NS}/s2`);
  });
});

describe("L4", () => {
  test("tcp-services routes a TCP port to a Service", async () => {
    const tcpPod = await env.cluster.startEchoPod({ service: `${NS}/tcp`, pod: "tcp-a", port: 9000, tcp: true });
    await env.cluster.apply([
      serviceManifest(NS, "tcp", { port: 9000, targetPort: 9000, portName: "tcp" }),
      endpointSliceManifest(NS, "tcp", [{ ip: tcpPod.ip }], { port: 9000, portName: "tcp" }),
    ]);
    const listenPort = env.mode.httpPort + 1000 > 65000 ? env.mode.httpPort - 1000 : env.mode.httpPort + 1000;
    const cm = `${env.mode.controllerName}-tcp-services`;
    await env.cluster.kubectlOk([
      "-n",
      env.mode.namespace,
      "patch",
      "configmap",
      cm,
      "--type=merge",
      "-p",
      JSON.stringify({ data: { [String(listenPort)]: `${NS}/tcp:9000` } }),
    ]);
    const answer = await eventually(
      () =>
        new Promise<string>((resolve, reject) => {
          const s = net.connect(listenPort, "127.0.0.1", () => s.write("hello\n"));
          s.setTimeout(2000, () => s.destroy(new Error("timeout")));
          s.on("data", (d) => {
            resolve(d.toString());
            s.end();
          });
          s.on("error", reject);
        }),
      20_000,
    );
    assert.equal(answer.trim(), "tcp-a: hello");
  });
});

describe("restarts", () => {
  test("controller and agent restarts converge with no lost route", async () => {
    // Settle first: the agent runs what was published and no reload is under way.
    await eventually(async () => {
      const ic = JSON.parse(await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "ingresscontroller", env.mode.controllerName, "-o", "json"]));
      assert.equal(ic.status?.appliedConfigHash, ic.status?.desiredConfigHash);
      const a = nginxPids(env.mode.nginxPrefix);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(nginxPids(env.mode.nginxPrefix), a);
    }, 30_000);
    await configSettled();
    const before = nginxPids(env.mode.nginxPrefix);
    const indexBefore = JSON.parse(
      await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "configmap", `${env.mode.controllerName}-state`, "-o", "json"]),
    );
    const starts = () => readFileSync(env.mode.pepr.logFile, "utf8").split('"initial list done"');
    const startsBefore = starts().length;
    await env.mode.restartPepr();
    // The restarted controller lists everything, rebuilds, finds the same state published: no write,
    // so no reload (a spurious change after every restart would reload nginx).
    await eventually(async () => {
      const parts = starts();
      assert.ok(parts.length > startsBefore, "the restarted controller has not listed yet");
      assert.match(parts.at(-1) ?? "", /"rebuild done"/);
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const indexAfter = JSON.parse(
      await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "configmap", `${env.mode.controllerName}-state`, "-o", "json"]),
    );
    assert.equal(indexAfter.metadata.resourceVersion, indexBefore.metadata.resourceVersion, "the restarted controller rewrote an unchanged desired state");
    assert.equal(reloadedBetween(before, nginxPids(env.mode.nginxPrefix)), false, "a controller restart reloaded nginx");
    await servedBy("foo.bar.com", "/foo", `${NS}/s1`);
    await env.mode.restartAgent();
    await servedBy("foo.bar.com", "/foo", `${NS}/s1`);
    await servedBy("secure.example.com", "/", `${NS}/s1`, true);
    await env.cluster.apply(ingressManifest(NS, "after-restart", { rules: [prefixRule("after.example.com", [["/", "s2"]])] }));
    await servedBy("after.example.com", "/", `${NS}/s2`);
  });
});
