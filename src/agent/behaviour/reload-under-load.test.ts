// Reload under load: constant requests (4 concurrent loops for about 5 s) while the configuration
// changes several times (reloads) and endpoints change (no reload): not one request may fail.
// Each request uses a fresh connection: nginx hands the listening socket from old to new workers
// without ever closing it, so a connect never fails; an idle keep-alive connection closed by an old
// worker is a client-retry matter (see docs/notes/agent.md).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { EchoReply } from "../../testing/echo.js";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });

let h: Harness;
const w = new World();

before(async () => {
  h = await Harness.start();
  await w.service("steady", { pods: 2 });
  await w.service("extra");
  w.ingress("steady", { rules: [{ host: "steady.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("steady") }] } }] });
  await h.apply(w);
});
after(async () => {
  await h?.stop();
  await w.stopPods();
});

test("no request fails while the config reloads and endpoints change", async () => {
  // Bounded by the number of changes, not the clock: a loaded machine makes it slower, not red.
  const CHANGES = 8;
  let done = false;
  const failures: string[] = [];
  let ok = 0;
  const loop = async () => {
    while (!done) {
      try {
        const r = await request({ port: h.httpPort, hostHeader: "steady.example.com", path: "/load", timeoutMs: 10_000 });
        if (r.status === 200 && r.json<EchoReply>().service === "default/steady") ok++;
        else failures.push(`HTTP ${r.status}: ${r.body.slice(0, 100)}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const answeredDuring: number[] = [];
  const changes = (async () => {
    let reloadsWanted = 0;
    try {
      for (let i = 0; i < CHANGES; i++) {
        const before = ok;
        await new Promise((r) => setTimeout(r, 300));
        if (i % 2 === 0) {
          // A config change: one more Ingress -> reload.
          w.ingress(`extra-${i}`, { rules: [{ host: `extra-${i}.example.com`, http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("extra") }] } }] });
          reloadsWanted++;
        } else {
          // An endpoint change on the loaded service: drop and restore one pod's slice -> no reload.
          const slice = w.slices.find((s) => s.metadata.name === "steady-1")!;
          slice.endpoints![0].conditions = { ready: !(slice.endpoints![0].conditions?.ready ?? true) };
        }
        await h.apply(w);
        answeredDuring.push(ok - before);
      }
    } finally {
      done = true;
    }
    return reloadsWanted;
  })();
  const [reloadsWanted] = await Promise.all([changes, loop(), loop(), loop(), loop()]);
  const status = h.fx.agent.status();
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests of ${ok + failures.length}`);
  assert.equal(reloadsWanted, CHANGES / 2);
  assert.equal(status.reloads, reloadsWanted, "one reload per config change, none for endpoint changes");
  assert.ok(
    answeredDuring.every((n) => n > 0),
    `traffic flowed across every change (answers per change: ${answeredDuring.join(", ")})`,
  );
});
