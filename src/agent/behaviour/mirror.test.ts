// mirror-target end to end with real nginx: a real mirror server receives a copy of each request
// (its URI via $request_uri, the body when mirror-request-body is on, the Host of mirror-host),
// while the client gets the primary backend's answer, whatever the mirror answers.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "../../testing/http.js";
import { until } from "../../testing/until.js";
import { Harness, World } from "../../testing/world.js";
import type { EchoReply } from "../../testing/echo.js";

const svc = (name: string) => ({ service: { name, port: { number: 80 } } });
const A = "nginx.ingress.kubernetes.io/";
const rule = (host: string) => ({ rules: [{ host, http: { paths: [{ path: "/", pathType: "Prefix" as const, backend: svc("app") }] } }] });

interface Copy {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let h: Harness;
let mirror: Server;
const copies: Copy[] = [];
const w = new World();

describe("mirror-target", () => {
  before(async () => {
    mirror = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        copies.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        // The mirror's answer must never reach the client.
        res.writeHead(500, { "x-from": "mirror" });
        res.end("mirror");
      });
    });
    await new Promise<void>((r) => mirror.listen(0, "127.0.0.1", r));
    const target = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    h = await Harness.start();
    await w.service("app");
    w.ingress("shadow", rule("shadow.example.com"), { [`${A}mirror-target`]: `${target}$request_uri`, [`${A}mirror-host`]: "staging.example.com" });
    w.ingress("shadow-nobody", rule("nobody.example.com"), { [`${A}mirror-target`]: `${target}/copy$request_uri`, [`${A}mirror-request-body`]: "off" });
    const result = await h.apply(w);
    assert.deepEqual(result.diagnostics, []);
  });
  after(async () => {
    await h?.stop();
    await w.stopPods();
    await new Promise((r) => mirror?.close(r));
  });

  test("the client gets the primary's answer; the mirror gets a copy with the URI, the body and mirror-host", async () => {
    copies.length = 0;
    const r = await request({ port: h.httpPort, hostHeader: "shadow.example.com", path: "/orders?id=7", method: "POST", body: "order-7" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-from"], undefined);
    assert.equal(r.json<EchoReply>().path, "/orders?id=7");
    const copy = await until("the mirror received the copy", () => copies[0]);
    assert.equal(copy.method, "POST");
    assert.equal(copy.url, "/orders?id=7");
    assert.equal(copy.body, "order-7");
    assert.equal(copy.headers.host, "staging.example.com");
  });

  test("mirror-request-body off: the copy has no body; the target's own path prefixes the URI", async () => {
    copies.length = 0;
    const r = await request({ port: h.httpPort, hostHeader: "nobody.example.com", path: "/upload", method: "POST", body: "secret" });
    assert.equal(r.status, 200);
    assert.equal(r.json<EchoReply>().bodyLength, 6, "the primary still gets the body");
    const copy = await until("the mirror received the copy", () => copies[0]);
    assert.equal(copy.url, "/copy/upload");
    assert.equal(copy.body, "");
  });
});
