// Containment end to end, on a real kube-apiserver, the real Pepr module (admission and the
// controller) and a real agent + nginx: an Ingress whose config admission admits but nginx -t
// refuses (a regex in the grammar that is too large for PCRE2's compiled-size limit) is traced by
// the agent's nginx -t line to that Ingress, which the controller drops with an Event and the
// Degraded condition; every other Ingress keeps serving and later changes to them are applied. The
// same for a server-level line (a regex deny-path, checked by the server before any location): only
// the Ingress whose annotation made it is dropped, and the host's other Ingress keeps serving.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoPod } from "../src/local/cluster/index.js";
import { exposePods, ingressManifest, prefixRule } from "../src/local/backends.js";
import { eventually } from "../src/local/http.js";
import { startPorticoEnv, type PorticoEnv } from "../src/local/portico-env.js";

const NS = "tenants";
let env: PorticoEnv;
const pods: EchoPod[] = [];
// Four groups each repeated 255 times: PCRE2 unrolls them past its 64K compiled-size limit.
const TOO_LARGE = "/" + "(?:[a-z][0-9][A-Z]\\.){255}".repeat(4);

async function servedBy(host: string, path: string, expected: string) {
  return eventually(async () => {
    const a = await env.get(host, path);
    assert.equal(a.status, 200, `${host}${path}: status ${a.status} ${a.body.slice(0, 200)}`);
    assert.equal(a.json?.service, expected, `${host}${path} served by ${a.json?.service}`);
  });
}

async function eventsOf(name: string): Promise<string[]> {
  const events = JSON.parse(
    await env.cluster.kubectlOk(["-n", NS, "get", "events", "--field-selector", `involvedObject.kind=Ingress,involvedObject.name=${name}`, "-o", "json"]),
  );
  return events.items.map((e: { reason: string; message: string; count?: number }) => `${e.reason}: ${e.message}`);
}

async function controllerStatus(): Promise<{ conditions?: { type: string; status: string; reason: string; message: string }[]; droppedIngresses?: string[] }> {
  const ic = JSON.parse(
    await env.cluster.kubectlOk(["-n", env.mode.namespace, "get", "ingresscontrollers.portico.dev", env.mode.controllerName, "-o", "json"]),
  );
  return ic.status ?? {};
}

before(async () => {
  env = await startPorticoEnv();
  await env.cluster.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  for (const svc of ["s1", "s2"]) {
    const pod = await env.cluster.startEchoPod({ service: `${NS}/${svc}`, pod: `${svc}-a`, port: 8080 });
    pods.push(pod);
    await exposePods(env.cluster, NS, svc, [pod]);
  }
});

after(async () => {
  await env?.stop();
});

describe("nginx -t refusals are contained to the Ingress they came from", () => {
  test("the refused Ingress is dropped with an Event and Degraded; the others serve and keep converging", async () => {
    await env.cluster.apply(ingressManifest(NS, "good", { rules: [prefixRule("good.example.com", [["/", "s1"]])] }));
    await servedBy("good.example.com", "/", `${NS}/s1`);

    await env.cluster.apply(
      ingressManifest(
        NS,
        "huge",
        {
          rules: [
            {
              host: "huge.example.com",
              http: { paths: [{ path: TOO_LARGE, pathType: "ImplementationSpecific", backend: { service: { name: "s2", port: { number: 80 } } } }] },
            },
          ],
        },
        { "nginx.ingress.kubernetes.io/use-regex": "true" },
      ),
    ); // admitted: the regex is in the grammar
    await eventually(async () => {
      const reasons = await eventsOf("huge");
      assert.ok(
        reasons.some((r) => r.startsWith("IngressDropped") && r.includes("nginx -t refused the configuration rendered from it") && r.includes("too large")),
        `events: ${JSON.stringify(reasons)}`,
      );
    }, 60_000);
    await eventually(async () => {
      const status = await controllerStatus();
      assert.deepEqual(
        status.droppedIngresses?.map((d) => d.split(":")[0]),
        [`${NS}/huge`],
      );
      const degraded = status.conditions?.find((c) => c.type === "Degraded");
      assert.equal(degraded?.status, "True", JSON.stringify(degraded));
      assert.equal(degraded?.reason, "IngressesDropped");
    });
    assert.equal((await env.get("huge.example.com", "/")).status, 404, "the dropped Ingress is not served");
    await servedBy("good.example.com", "/", `${NS}/s1`);

    // A later change to another Ingress is applied (the data plane is not stuck on the refused config).
    await env.cluster.apply(
      ingressManifest(NS, "good", {
        rules: [
          prefixRule("good.example.com", [
            ["/", "s1"],
            ["/later", "s2"],
          ]),
        ],
      }),
    );
    await servedBy("good.example.com", "/later", `${NS}/s2`);
    await eventually(async () => {
      const ic = await controllerStatus();
      assert.equal((ic as { refusedConfig?: unknown }).refusedConfig, undefined, "the agent cleared its refusal once a config applied");
    });
    assert.equal((await eventsOf("huge")).filter((r) => r.startsWith("IngressDropped")).length, 1, "one Event, not one per rebuild");

    // Its owner fixes it: it is built and served again, and Degraded clears.
    await env.cluster.apply(
      ingressManifest(
        NS,
        "huge",
        {
          rules: [
            {
              host: "huge.example.com",
              http: { paths: [{ path: "/(?:[a-z][0-9]){3}", pathType: "ImplementationSpecific", backend: { service: { name: "s2", port: { number: 80 } } } }] },
            },
          ],
        },
        { "nginx.ingress.kubernetes.io/use-regex": "true" },
      ),
    );
    await servedBy("huge.example.com", "/a1b2c3", `${NS}/s2`);
    await eventually(async () => {
      const status = await controllerStatus();
      assert.deepEqual(status.droppedIngresses ?? [], []);
      assert.equal(status.conditions?.find((c) => c.type === "Degraded")?.status, "False");
    });
  });

  test("a server-level line nginx refuses drops only the Ingress whose annotation made it; the host's other Ingress serves", async () => {
    await env.cluster.apply(ingressManifest(NS, "shared-web", { rules: [prefixRule("shared.example.com", [["/", "s1"]])] }));
    await servedBy("shared.example.com", "/", `${NS}/s1`);
    // Admitted (the regex is in the grammar), rendered as the server's `if ($uri ~ ...)`.
    await env.cluster.apply(
      ingressManifest(
        NS,
        "shared-deny",
        { rules: [prefixRule("shared.example.com", [["/other", "s2"]])] },
        { "nginx.ingress.kubernetes.io/deny-paths": `~ ${TOO_LARGE}` },
      ),
    );
    await eventually(async () => {
      const reasons = await eventsOf("shared-deny");
      assert.ok(
        reasons.some((r) => r.startsWith("IngressDropped") && r.includes("nginx -t refused the configuration rendered from it") && r.includes("too large")),
        `events: ${JSON.stringify(reasons)}`,
      );
    }, 60_000);
    await eventually(async () => {
      const status = await controllerStatus();
      assert.ok(
        status.droppedIngresses?.some((d) => d.startsWith(`${NS}/shared-deny:`)),
        JSON.stringify(status.droppedIngresses),
      );
      assert.ok(!status.droppedIngresses?.some((d) => d.startsWith(`${NS}/shared-web:`)), "the host's other Ingress is not dropped");
    });
    assert.deepEqual(
      (await eventsOf("shared-web")).filter((r) => r.startsWith("IngressDropped")),
      [],
    );
    await servedBy("shared.example.com", "/", `${NS}/s1`);
    await servedBy("shared.example.com", "/other", `${NS}/s1`); // the host's / path: the dropped Ingress's /other is gone
    await servedBy("good.example.com", "/later", `${NS}/s2`);
    // The rest keeps converging: a change to the host's other Ingress is applied.
    await env.cluster.apply(
      ingressManifest(NS, "shared-web", {
        rules: [
          prefixRule("shared.example.com", [
            ["/", "s1"],
            ["/next", "s2"],
          ]),
        ],
      }),
    );
    await servedBy("shared.example.com", "/next", `${NS}/s2`);
  });
});
