// A new Ingress on a new host with plain settings, and new paths and changed backends on a host
// nginx already serves, answer before any reload (dynamic routes in Lua shared memory, pushed ahead
// of `nginx -t`), identically after the reload that follows, and no request to another host fails
// meanwhile. Real nginx; `nginx -t` is held back by a wrapper so the reload cannot come first.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCertificate, type TestCertificate } from "../../testing/certs.js";
import type { EchoReply } from "../../testing/echo.js";
import { request, type Response } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";
import { build } from "../../core/build.js";
import { X509Certificate } from "node:crypto";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
// Long enough that a loaded machine (load 20 on 2 cores) still answers well inside half of it.
const TEST_DELAY_S = 6;

let h: Harness;
const w = new World();
let tmp: string;
let slowFlag: string;
let cert: TestCertificate;

const get = (host: string, path = "/", method = "GET") =>
  request({ port: h.httpPort, hostHeader: host, path, method, body: method === "POST" ? "x".repeat(1000) : undefined });
const getTls = (host: string, path = "/") => request({ port: h.httpsPort, hostHeader: host, path, tls: true, servername: host });

/** What identifies an answer: status, backend pod, the path it saw, the redirect target. */
function answer(r: Response): string {
  const who = r.status === 200 ? r.json<EchoReply>() : undefined;
  return JSON.stringify({
    status: r.status,
    pod: who?.pod,
    path: who?.path,
    method: who?.method,
    length: who?.bodyLength,
    location: r.headers.location,
    ...(r.status === 200 ? {} : { type: r.headers["content-type"], body: r.body }),
  });
}

/** Requests to old.example.com while `fn` runs: none may fail. */
async function othersMeanwhile(fn: () => Promise<void>): Promise<void> {
  let otherFailures = 0;
  let otherRequests = 0;
  let stopOthers = false;
  const others = (async () => {
    while (!stopOthers) {
      const r = await get("old.example.com").catch(() => undefined);
      otherRequests++;
      if (r?.status !== 200) otherFailures++;
    }
  })();
  try {
    await fn();
  } finally {
    stopOthers = true;
    await others;
  }
  assert.ok(otherRequests > 10, `requests to the other host ran (${otherRequests})`);
  assert.equal(otherFailures, 0, `no failed request to old.example.com of ${otherRequests}`);
}

/** Applies the world with `nginx -t` held back; `ready` is polled until it holds (before any reload). */
async function applyHeldBack(
  ready: () => Promise<boolean>,
): Promise<{ applied: Promise<{ lastError: unknown; reloads: number }>; reloads: number; ms: number }> {
  const reloads = h.fx.agent.status().reloads;
  const workersBefore = h.fx.agent.processIds().workers.sort();
  writeFileSync(slowFlag, "");
  const state = build(w.snapshot(), h.renderOptions).state;
  const t0 = performance.now();
  const applied = h.fx.agent.apply(state);
  let ok = false;
  while (performance.now() - t0 < (TEST_DELAY_S * 1000) / 2) {
    if (await ready().catch(() => false)) {
      ok = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  assert.ok(ok, "the change answered within half the held-back nginx -t");
  assert.equal(h.fx.agent.status().reloads, reloads, "no reload happened before it");
  assert.deepEqual(h.fx.agent.processIds().workers.sort(), workersBefore, "the same workers answered");
  return { applied, reloads, ms };
}

/** Each probe's answer now (before the reload) equals its answer after the reload. */
async function sameAfterReload(
  probes: [string, () => Promise<Response>][],
  held: Awaited<ReturnType<typeof applyHeldBack>>,
): Promise<Record<string, unknown>[]> {
  const beforeReload: string[] = [];
  for (const [, p] of probes) beforeReload.push(answer(await p()));
  assert.equal(h.fx.agent.status().reloads, held.reloads, "still no reload after the probes");
  const status = await held.applied;
  assert.equal(status.lastError, null);
  assert.equal(status.reloads, held.reloads + 1, "then the follow-up reload");
  const afterReload: string[] = [];
  for (const [, p] of probes) afterReload.push(answer(await p()));
  probes.forEach(([name], i) => assert.equal(afterReload[i], beforeReload[i], `${name}: same answer before and after the reload`));
  return afterReload.map((a) => JSON.parse(a) as Record<string, unknown>);
}

describe("dynamic routes: a new plain host answers before the reload", () => {
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "portico-dynroutes-"));
    slowFlag = join(tmp, "slow");
    const wrapper = join(tmp, "nginx");
    // Only `nginx -t` waits (when the flag file exists); nginx itself runs unchanged (exec).
    writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = "-t" ] && [ -f ${slowFlag} ]; then sleep ${TEST_DELAY_S}; fi\nexec /usr/sbin/nginx "$@"\n`);
    chmodSync(wrapper, 0o755);
    h = await Harness.start({ nginxBinary: wrapper });
    cert = makeCertificate(["secure.example.com"]);
    w.tlsSecret("secure-tls", cert);
    await w.service("old");
    await w.service("web");
    await w.service("api");
    await w.service("secure");
    w.ingress("old", { rules: [{ host: "old.example.com", http: { paths: [{ path: "/", pathType: "Prefix", backend: svc("old") }] } }] });
    await h.apply(w);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("first 200 before any reload, the same answers after it, no failed request to another host", async () => {
    w.ingress("fresh", {
      rules: [
        {
          host: "new.example.com",
          http: {
            paths: [
              { path: "/", pathType: "Prefix", backend: svc("web") },
              { path: "/api", pathType: "Prefix", backend: svc("api") },
              { path: "/exact", pathType: "Exact", backend: svc("api") },
            ],
          },
        },
      ],
    });
    w.ingress("fresh-tls", {
      tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }],
      rules: [{ host: "secure.example.com", http: { paths: [{ path: "/only", pathType: "Prefix", backend: svc("secure") }] } }],
    });
    // Requests to the existing host all along: none may fail.
    let otherFailures = 0;
    let otherRequests = 0;
    let stopOthers = false;
    const others = (async () => {
      while (!stopOthers) {
        const r = await get("old.example.com").catch(() => undefined);
        otherRequests++;
        if (r?.status !== 200) otherFailures++;
      }
    })();

    try {
      await checkFirstAndSame();
    } finally {
      stopOthers = true;
      await others;
    }
    assert.ok(otherRequests > 10, `requests to the other host ran (${otherRequests})`);
    assert.equal(otherFailures, 0, `no failed request to old.example.com of ${otherRequests}`);
  });

  test("a served host's new paths and changed backend answer before the reload, matched as after it", async () => {
    rmSync(slowFlag, { force: true });
    const shop = w.ingress("shop", {
      rules: [
        {
          host: "shop.example.com",
          http: {
            paths: [
              { path: "/api", pathType: "Prefix", backend: svc("api") },
              { path: "/exact", pathType: "Exact", backend: svc("api") },
            ],
          },
        },
      ],
    });
    await h.apply(w);
    // /api moves to web, /api/v2 (under the proxying /api/) and /web (on the 404 fallback) are new,
    // and the TLS host gets /more (its fallback answers the ssl-redirect over HTTP).
    shop.spec = {
      ingressClassName: "portico",
      rules: [
        {
          host: "shop.example.com",
          http: {
            paths: [
              { path: "/api", pathType: "Prefix", backend: svc("web") },
              { path: "/api/v2", pathType: "Prefix", backend: svc("secure") },
              { path: "/web", pathType: "Prefix", backend: svc("web") },
              { path: "/exact", pathType: "Exact", backend: svc("api") },
            ],
          },
        },
      ],
    };
    w.ingresses.find((i) => i.metadata.name === "fresh-tls")!.spec = {
      ingressClassName: "portico",
      tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }],
      rules: [
        {
          host: "secure.example.com",
          http: {
            paths: [
              { path: "/only", pathType: "Prefix", backend: svc("secure") },
              { path: "/more", pathType: "Prefix", backend: svc("web") },
            ],
          },
        },
      ],
    };
    await othersMeanwhile(async () => {
      const pod = async (host: string, path: string, tls = false) => (tls ? await getTls(host, path) : await get(host, path)).json<EchoReply>()?.pod ?? "";
      const pushedBefore = await h.fx.agent.control.state();
      const held = await applyHeldBack(
        async () => (await pod("shop.example.com", "/web/x")) === "web-0" && (await pod("shop.example.com", "/api/x")) === "web-0",
      );
      // Only the routes moved: nginx held every upstream and certificate already, so neither set
      // was pushed again ahead of them.
      const pushedAfter = await h.fx.agent.control.state();
      assert.deepEqual(
        [pushedAfter.endpointsVersion, pushedAfter.certificatesVersion],
        [pushedBefore.endpointsVersion, pushedBefore.certificatesVersion],
        "no endpoint or certificate push ahead of the routes",
      );
      const probes: [string, () => Promise<Response>][] = [
        ["/ (no rule: the 404 page)", () => get("shop.example.com", "/")],
        ["/nothing", () => get("shop.example.com", "/nothing")],
        ["/api (backend changed)", () => get("shop.example.com", "/api")],
        ["/api/users", () => get("shop.example.com", "/api/users?q=1")],
        ["/api/v2 (new, under /api)", () => get("shop.example.com", "/api/v2")],
        ["/api/v2/x", () => get("shop.example.com", "/api/v2/x")],
        ["/api/v2x (not under /api/v2)", () => get("shop.example.com", "/api/v2x")],
        ["/apix", () => get("shop.example.com", "/apix")],
        ["/web (new)", () => get("shop.example.com", "/web")],
        ["/web/x", () => get("shop.example.com", "/web/x")],
        ["/webx", () => get("shop.example.com", "/webx")],
        ["/exact", () => get("shop.example.com", "/exact")],
        ["/exact/more", () => get("shop.example.com", "/exact/more")],
        ["POST to a new path", () => get("shop.example.com", "/web/form", "POST")],
        ["HEAD of the 404 page", () => get("shop.example.com", "/nothing", "HEAD")],
        ["TLS host, new path over HTTP: the 308", () => get("secure.example.com", "/more/x?y=1")],
        ["TLS host, new path over HTTPS", () => getTls("secure.example.com", "/more/x")],
        ["TLS host, old path", () => getTls("secure.example.com", "/only/x")],
        ["TLS host, unrouted path over HTTP: the 308", () => get("secure.example.com", "/elsewhere")],
        ["TLS host, unrouted path over HTTPS: 404", () => getTls("secure.example.com", "/elsewhere")],
        ["unknown host: the default server's 404", () => get("unknown.example.com", "/")],
      ];
      const a = await sameAfterReload(probes, held);
      const by = Object.fromEntries(probes.map(([name], i) => [name.split(" ")[0] + (name.includes("TLS") ? ` ${name}` : ""), a[i]!]));
      assert.deepEqual(
        ["/api", "/api/users", "/api/v2", "/api/v2/x", "/api/v2x", "/apix", "/web", "/web/x", "/exact", "/exact/more"].map((k) => by[k]?.pod ?? by[k]?.status),
        ["web-0", "web-0", "secure-0", "secure-0", "web-0", 404, "web-0", "web-0", "api-0", 404],
      );
      assert.equal(by["/webx"]?.status, 404);
      assert.deepEqual([by["POST"]?.pod, by["POST"]?.length], ["web-0", 1000]);
      // portico.fallback()'s 404 page is nginx's own `return 404` of the default server, byte for byte.
      const unknown = a.at(-1)!;
      assert.deepEqual([a[0]!.status, a[0]!.type, a[0]!.body], [404, unknown.type, unknown.body]);
      assert.deepEqual([a[14]!.status, a[14]!.body], [404, ""]);
      assert.deepEqual([a[15]!.status, a[15]!.location], [308, `https://secure.example.com:${h.httpsPort}/more/x?y=1`]);
      assert.equal(a[16]!.pod, "web-0");
      assert.deepEqual([a[18]!.status, a[19]!.status], [308, 404]);
      console.log(`# a served host's changed routes answered after ${held.ms.toFixed(0)} ms (nginx -t held back ${TEST_DELAY_S} s)`);
    });
  });
});

async function checkFirstAndSame(): Promise<void> {
  const before = h.fx.agent.status().reloads;
  const workersBefore = h.fx.agent.processIds().workers.sort();
  writeFileSync(slowFlag, "");
  const state = build(w.snapshot(), h.renderOptions).state;
  const t0 = performance.now();
  const applied = h.fx.agent.apply(state);
  let first: Response | undefined;
  while (performance.now() - t0 < (TEST_DELAY_S * 1000) / 2) {
    const r = await get("new.example.com").catch(() => undefined);
    if (r?.status === 200) {
      first = r;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const firstMs = performance.now() - t0;
  assert.ok(first, "the new host answered 200 within half the held-back nginx -t");
  assert.equal(h.fx.agent.status().reloads, before, "no reload happened before the first 200");
  assert.deepEqual(h.fx.agent.processIds().workers.sort(), workersBefore, "the same workers answered");
  assert.equal(first.json<EchoReply>().service, "default/web");

  const probes: [string, () => Promise<Response>][] = [
    ["/", () => get("new.example.com", "/")],
    ["/api/users?x=1", () => get("new.example.com", "/api/users?x=1")],
    ["/api", () => get("new.example.com", "/api")],
    ["/apix (not under /api)", () => get("new.example.com", "/apix")],
    ["/exact", () => get("new.example.com", "/exact")],
    ["/exact/more (Exact matches only itself)", () => get("new.example.com", "/exact/more")],
    ["POST with a body", () => get("new.example.com", "/api/form", "POST")],
    ["TLS host over HTTP: the 308", () => get("secure.example.com", "/only/x")],
    ["TLS host over HTTPS", () => getTls("secure.example.com", "/only/x")],
    ["TLS host, a path it does not route: its 404", () => getTls("secure.example.com", "/elsewhere")],
    ["unknown host: the default server", () => get("unknown.example.com", "/")],
  ];
  const beforeReload: string[] = [];
  for (const [, p] of probes) beforeReload.push(answer(await p()));
  assert.equal(h.fx.agent.status().reloads, before, "still no reload after the probes");
  const tlsBefore = await getTls("secure.example.com", "/only/x");
  assert.equal(tlsBefore.fingerprint256, new X509Certificate(cert.certificate).fingerprint256, "the host's certificate");

  const status = await applied;
  assert.equal(status.lastError, null);
  assert.equal(status.reloads, before + 1, "then the follow-up reload");
  const afterReload: string[] = [];
  for (const [, p] of probes) afterReload.push(answer(await p()));
  probes.forEach(([name], i) => assert.equal(afterReload[i], beforeReload[i], `${name}: same answer before and after the reload`));
  // Spot-check the meaning, not only the sameness.
  const [root, apiUsers, api, apix, exact, exactMore, post, redirect, tls, tls404, unknown] = afterReload.map((a) => JSON.parse(a));
  assert.equal(root.pod, "web-0");
  assert.equal(apiUsers.pod, "api-0");
  assert.equal(apiUsers.path, "/api/users?x=1");
  assert.equal(api.pod, "api-0");
  assert.equal(apix.pod, "web-0");
  assert.equal(exact.pod, "api-0");
  assert.equal(exactMore.pod, "web-0");
  assert.deepEqual([post.pod, post.method, post.length], ["api-0", "POST", 1000]);
  assert.deepEqual([redirect.status, redirect.location], [308, `https://secure.example.com:${h.httpsPort}/only/x`]);
  assert.equal(tls.pod, "secure-0");
  assert.equal(tls404.status, 404);
  assert.equal(unknown.status, 404);
  console.log(`# first 200 of the new host after ${firstMs.toFixed(0)} ms (nginx -t held back ${TEST_DELAY_S} s)`);
}
