// auth-cache-key / auth-cache-duration end to end, real nginx and a real authentication server
// that counts what it is asked: within the duration the second request is answered from the cache
// without reaching it; another key (another token) asks again; after the duration it asks again;
// another host with the same auth-url and key (another tenant) never reads the first host's answers.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "../../testing/http.js";
import { Harness, World } from "../../testing/world.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const rule = (host: string) => ({ rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc("app") }] } }] });

let h: Harness;
let auth: Server;
/** Authorization values the auth server saw, in order. */
const asked: string[] = [];
const w = new World();
const get = (host: string, token: string) => request({ port: h.httpPort, hostHeader: host, path: "/", headers: { authorization: `Bearer ${token}` } });

describe("external auth cache", () => {
  before(async () => {
    auth = createServer((req, res) => {
      asked.push(String(req.headers.authorization));
      res.writeHead(req.headers.authorization?.startsWith("Bearer good") ? 200 : 401);
      res.end();
    });
    await new Promise<void>((r) => auth.listen(0, "127.0.0.1", r));
    const port = (auth.address() as AddressInfo).port;
    h = await Harness.start();
    await w.service("app");
    await w.service("app", { ns: "other" });
    const cached = {
      [`${A}auth-url`]: `http://127.0.0.1:${port}/check`,
      [`${A}auth-cache-key`]: "$http_authorization",
      [`${A}auth-cache-duration`]: "200 401 2s",
    };
    w.ingress("cached", rule("cached.example.com"), cached);
    w.ingress("cached", rule("tenant-b.example.com"), cached, "other");
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise((r) => auth?.close(r));
  });

  test("the second request within the duration is answered without asking the auth server; another key asks; expiry asks again", async () => {
    assert.equal((await get("cached.example.com", "good-1")).status, 200);
    assert.deepEqual(asked, ["Bearer good-1"]);
    assert.equal((await get("cached.example.com", "good-1")).status, 200);
    assert.deepEqual(asked, ["Bearer good-1"], "served from the cache");
    assert.equal((await get("cached.example.com", "bad")).status, 401);
    assert.equal((await get("cached.example.com", "bad")).status, 401, "a cached refusal still refuses");
    assert.deepEqual(asked, ["Bearer good-1", "Bearer bad"]);
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal((await get("cached.example.com", "good-1")).status, 200);
    assert.deepEqual(asked, ["Bearer good-1", "Bearer bad", "Bearer good-1"], "expired after auth-cache-duration");
  });

  test("another host with the same auth-url and key does not read the first host's cached answers", async () => {
    const before = asked.length;
    assert.equal((await get("cached.example.com", "good-2")).status, 200);
    assert.equal((await get("tenant-b.example.com", "good-2")).status, 200);
    assert.deepEqual(asked.slice(before), ["Bearer good-2", "Bearer good-2"], "each host asks the auth server itself");
  });
});
