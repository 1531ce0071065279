// Abuse, part 3 (issue 10: exhaustion): an anonymous client sends many requests with long
// headers and request bodies, and team-b, a real tenant, fills its namespace with large TLS
// Secrets. nginx's logs go to stdout/stderr, so the run volume (the prefix minus tmp/, which in a
// pod is the nginx container's own bounded /tmp) does not grow; the certificate dictionary is sized
// from the state, so team-a's new TLS host still gets its own certificate, not the default one.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { ingressManifest, prefixRule } from "../../src/local/backends.js";
import { eventually } from "../../src/local/http.js";
import { request } from "../../src/testing/http.js";
import { startPorticoEnv, type PorticoEnv } from "../../src/local/portico-env.js";
import { makeCertificate } from "../../src/testing/certs.js";
import { LIMITS } from "../../src/core/limits.js";
import { MIN_CERTIFICATE_DICT_MIB } from "../../src/core/render/shared-dicts.js";
import { admitted, backend, createTenant, servedBy, tlsSecret, Victim, type Tenant } from "./support.js";

let env: PorticoEnv;
let teamA: Victim;
let teamB: Tenant;
const B = "team-b";

before(async () => {
  env = await startPorticoEnv();
  const a = await createTenant(env, "team-a");
  teamB = await createTenant(env, B);
  await backend(env, "team-a", "web");
  await backend(env, B, "web");
  teamA = new Victim(env, a, "a.example.test");
  await teamA.start();
});

after(async () => {
  await env?.stop();
});

/** path -> size of every regular file under `dir`, `skip` (relative top-level names) left out. */
function files(dir: string, skip: string[] = []): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (skip.includes(rel)) continue;
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else out.set(rel, st.size);
    }
  };
  walk(dir);
  return out;
}

test("thousands of anonymous requests with long headers and bodies grow no file in the run volume; the access log goes to stdout", async () => {
  const prefix = env.mode.nginxPrefix;
  await servedBy(env, teamA.host, "/", teamA.backend);
  const before = files(prefix, ["tmp"]);
  const logBefore = statSync(env.mode.agentLog).size;
  const long = "x".repeat(6000);
  const body = "y".repeat(64 * 1024); // over client_body_buffer_size: spills to a temp file
  const hosts = [teamA.host, "nobody.example.test"]; // a served host and the default server (404, error-log path)
  let answered = 0;
  const client = async () => {
    for (let i = 0; i < 250; i++) {
      const host = hosts[i % 2]!;
      const r = await request({
        port: env.mode.httpPort,
        hostHeader: host,
        path: `/${long.slice(0, 2000)}?q=${i}`,
        method: i % 10 === 0 ? "POST" : "GET",
        headers: {
          "x-long-1": long,
          "x-long-2": long,
          "user-agent": long,
          referer: `http://${long}`,
          ...(i % 10 === 0 ? { "content-type": "text/plain" } : {}),
        },
        ...(i % 10 === 0 ? { body } : {}),
      }).catch(() => undefined);
      if (r) answered++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, () => client()));
  assert.ok(answered >= 1900, `only ${answered} of 2000 requests answered`);
  const after = files(prefix, ["tmp"]);
  assert.deepEqual([...after].sort(), [...before].sort(), "the run volume changed under anonymous traffic");
  // tmp/ (the bounded /tmp of the nginx container in a pod) keeps no request data either.
  const tmp = [...files(join(prefix, "tmp"))].filter(([name, size]) => name !== "nginx.pid" && size > 0);
  assert.deepEqual(tmp, [], "request temp files left behind");
  await eventually(async () => {
    assert.ok(statSync(env.mode.agentLog).size - logBefore > 2000 * 100, "the access log lines reached stdout (the agent's log)");
  }, 30_000);
});

test("team-b's large TLS Secrets do not crowd team-a's new TLS host out of the certificate dictionary", async () => {
  // A long chain: the leaf and copies of one certificate up to the PEM limit, per Secret.
  const filler = makeCertificate(["filler.b.example.test"]).certificate;
  const copies = Math.floor((LIMITS.pemBytes - 4096) / filler.length);
  const N = 96; // 96 x ~252 KiB: one set is over a third of the smallest dictionary, so three do not fit it
  assert.ok(N * copies * filler.length * 3 > MIN_CERTIFICATE_DICT_MIB * 2 ** 20, "the Secrets are large enough to have filled a fixed dictionary");
  const hosts: string[] = [];
  for (let i = 0; i < N; i++) {
    const host = `big-${i}.b.example.test`;
    hosts.push(host);
    const leaf = makeCertificate([host]);
    const secret = tlsSecret(B, `big-${i}`, { certificate: leaf.certificate + filler.repeat(copies), key: leaf.key });
    await admitted(teamB, secret);
  }
  await admitted(
    teamB,
    ingressManifest(B, "big", {
      ingressClassName: "portico",
      tls: hosts.map((h, i) => ({ hosts: [h], secretName: `big-${i}` })),
      rules: hosts.map((h) => prefixRule(h, [["/", "web"]])),
    }),
  );
  const lastB = makeCertificate(["unused.example.test"]); // only to compare against: not team-b's real one
  await eventually(async () => {
    const r = await env.get(hosts[N - 1]!, "/", { https: true });
    assert.equal(r.status, 200, `team-b's last TLS host: ${r.status}`);
    assert.ok(r.certificateSubject?.includes(hosts[N - 1]!), `team-b's last host presented ${r.certificateSubject}`);
    assert.notEqual(r.certificateFingerprint, lastB.fingerprint256);
  }, 180_000);

  // team-a's new TLS host, after all of team-b's: its own certificate, not the default one.
  const cert = makeCertificate(["new.a.example.test"]);
  await admitted(teamA.tenant, tlsSecret("team-a", "new-cert", cert));
  await admitted(
    teamA.tenant,
    ingressManifest("team-a", "new", {
      ingressClassName: "portico",
      tls: [{ hosts: ["new.a.example.test"], secretName: "new-cert" }],
      rules: [prefixRule("new.a.example.test", [["/", "web"]])],
    }),
  );
  await eventually(async () => {
    const r = await env.get("new.a.example.test", "/", { https: true });
    assert.equal(r.status, 200);
    assert.equal(r.json?.service, teamA.backend);
    assert.equal(r.certificateFingerprint, cert.fingerprint256, `team-a's new host presented ${r.certificateSubject}`);
  }, 120_000);
  await teamA.stillConverges();
});
