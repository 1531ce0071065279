// Long-lived connections across reloads, through the rendered config on real nginx: a WebSocket, a
// streamed (chunked HTTP/1.1) response and a real gRPC bidi stream (@grpc/grpc-js over TLS + HTTP/2,
// backend-protocol GRPC) stay open and keep carrying data across 20 reloads, served by the old
// worker generation that accepted them; and settings.workerShutdownTimeoutSeconds bounds how long
// such an old generation lives.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { childPids } from "../nginx-process.js";
import type { EndpointSlice, Service } from "../../core/k8s-types.js";
import { makeCertificate, type TestCertificate } from "../../testing/certs.js";
import { until } from "../../testing/until.js";
import { Harness, World } from "../../testing/world.js";

const HOST = "streams.example.com";
const GRPC_HOST = "grpc.example.com";
const waitUntil = (what: string, cond: () => boolean, timeoutMs: number) => until(what, () => (cond() ? true : undefined), { timeoutMs });
const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B3E";

/** Backend: answers the WebSocket handshake and echoes text frames; holds /stream responses open
 * so the test writes each chunk itself. */
class StreamBackend {
  readonly streams: ServerResponse[] = [];
  /** Upgraded sockets: no longer the server's to close. */
  private readonly upgraded = new Set<Socket>();
  private constructor(readonly server: Server) {}
  static async start(): Promise<StreamBackend> {
    const server = createServer();
    const b = new StreamBackend(server);
    server.on("request", (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "x-accel-buffering": "no" });
      res.write("open\n");
      b.streams.push(res);
    });
    server.on("upgrade", (req, socket: Socket) => {
      const accept = createHash("sha1")
        .update(String(req.headers["sec-websocket-key"]) + WS_GUID)
        .digest("base64");
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      let buf = Buffer.alloc(0);
      socket.on("data", (d) => {
        buf = Buffer.concat([buf, d]);
        for (let f = readFrame(buf); f; f = readFrame(buf)) {
          buf = buf.subarray(f.size);
          socket.write(frame(f.text, false));
        }
      });
      socket.on("error", () => undefined);
      b.upgraded.add(socket);
      socket.on("close", () => b.upgraded.delete(socket));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return b;
  }
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const s of this.upgraded) s.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

/** A short text frame (payload < 126 bytes); clients mask, servers do not (RFC 6455). */
function frame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text);
  const mask = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  const body = masked ? payload.map((c, i) => c ^ mask[i % 4]) : payload;
  return Buffer.concat([Buffer.from([0x81, (masked ? 0x80 : 0) | payload.length]), mask, body]);
}
function readFrame(buf: Buffer): { text: string; size: number } | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1] & 0x80) !== 0;
  const len = buf[1] & 0x7f;
  const size = 2 + (masked ? 4 : 0) + len;
  if (buf.length < size) return undefined;
  const mask = buf.subarray(2, masked ? 6 : 2);
  const body = buf.subarray(size - len, size).map((c, i) => (masked ? c ^ mask[i % 4] : c));
  return { text: Buffer.from(body).toString(), size };
}

/** A client connection whose received bytes the test waits on. */
class Held {
  received = "";
  closed = false;
  constructor(readonly close: () => void) {}
  async waitFor(text: string, what: string): Promise<void> {
    await waitUntil(what, () => this.received.includes(text) || this.closed, 10_000);
    assert.ok(this.received.includes(text), `${what}: connection closed before "${text}" arrived`);
  }
}

async function openWebSocket(port: number): Promise<Held & { send(text: string): void }> {
  const socket = connect(port, "127.0.0.1");
  const key = Buffer.from("portico-ws-test!").toString("base64");
  socket.write(
    `GET /ws HTTP/1.1\r\nHost: ${HOST}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const held = Object.assign(new Held(() => socket.destroy()), { send: (text: string) => socket.write(frame(text, true)) });
  let buf = Buffer.alloc(0);
  let upgraded = false;
  socket.on("data", (d) => {
    buf = Buffer.concat([buf, d]);
    if (!upgraded) {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      held.received += buf.subarray(0, end + 4).toString();
      buf = buf.subarray(end + 4);
      upgraded = true;
    }
    for (let f = readFrame(buf); f; f = readFrame(buf)) {
      buf = buf.subarray(f.size);
      held.received += `[${f.text}]`;
    }
  });
  socket.on("close", () => (held.closed = true));
  socket.on("error", () => undefined);
  const accept = createHash("sha1")
    .update(key + WS_GUID)
    .digest("base64");
  await held.waitFor(`Sec-WebSocket-Accept: ${accept}`, "WebSocket handshake through nginx");
  assert.match(held.received, /^HTTP\/1\.1 101 /);
  return held;
}

async function openStream(port: number): Promise<Held> {
  const req = httpRequest({ host: "127.0.0.1", port, path: "/stream", headers: { host: HOST }, agent: false });
  const held = new Held(() => req.destroy());
  req.on("response", (res) => {
    assert.equal(res.statusCode, 200);
    res.on("data", (d) => (held.received += d.toString()));
    res.on("close", () => (held.closed = true));
  });
  req.on("error", () => (held.closed = true));
  req.end();
  await held.waitFor("open\n", "streamed response through nginx");
  return held;
}

// A gRPC service defined in code (no codegen): messages are JSON buffers.
type Chat = { text: string };
const json = {
  serialize: (m: Chat) => Buffer.from(JSON.stringify(m)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as Chat,
};
const CHAT_SERVICE: grpc.ServiceDefinition = {
  chat: {
    path: "/portico.test.Echo/Chat",
    requestStream: true,
    responseStream: true,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
  },
};

/** gRPC backend (h2c, what grpc_pass grpc:// speaks): echoes each message; ends when the client does. */
async function startGrpcBackend(): Promise<{ port: number; stop(): void }> {
  const server = new grpc.Server();
  server.addService(CHAT_SERVICE, {
    chat: (call: grpc.ServerDuplexStream<Chat, Chat>) => {
      call.on("data", (m: Chat) => call.write({ text: `echo ${m.text}` }));
      call.on("end", () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return { port, stop: () => server.forceShutdown() };
}

/** A gRPC bidi call through nginx's HTTPS port (TLS, ALPN h2, SNI and :authority GRPC_HOST). */
function openGrpcStream(port: number, cert: TestCertificate) {
  const Client = grpc.makeGenericClientConstructor(CHAT_SERVICE, "Echo");
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(cert.certificate)), {
    "grpc.ssl_target_name_override": GRPC_HOST,
    "grpc.default_authority": GRPC_HOST,
  });
  const call = (client as unknown as { chat(): grpc.ClientDuplexStream<Chat, Chat> }).chat();
  const held = Object.assign(new Held(() => client.close()), {
    status: undefined as grpc.StatusObject | undefined,
    ended: false,
    send: (text: string) => call.write({ text }),
    end: () => call.end(),
  });
  call.on("data", (m: Chat) => (held.received += `[${m.text}]`));
  call.on("end", () => (held.ended = true));
  call.on("status", (st: grpc.StatusObject) => {
    held.status = st;
    held.closed = true;
  });
  call.on("error", () => undefined); // the status event carries it
  return held;
}

let h: Harness;
let grpcBackend: { port: number; stop(): void };
let grpcCert: TestCertificate;
let backend: StreamBackend;
const w = new World();
let extra = 0;

/** A config change (one more Ingress to the same backend): a reload. */
async function reload(): Promise<void> {
  const before = h.fx.agent.status().reloads;
  w.ingress(`extra-${extra}`, {
    rules: [
      {
        host: `extra-${extra++}.example.com`,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "streams", port: { number: 80 } } } }] },
      },
    ],
  });
  await h.apply(w);
  assert.equal(h.fx.agent.status().reloads, before + 1);
}

const workers = () => childPids(h.fx.agent.processIds().master!);

before(async () => {
  h = await Harness.start();
  backend = await StreamBackend.start();
  w.services.push({ metadata: { name: "streams", namespace: "default" }, spec: { ports: [{ port: 80 }] } } as Service);
  w.slices.push({
    metadata: { name: "streams-1", namespace: "default", labels: { "kubernetes.io/service-name": "streams" } },
    addressType: "IPv4",
    ports: [{ name: "", port: backend.port }],
    endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
  } as EndpointSlice);
  w.ingress("streams", {
    rules: [{ host: HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "streams", port: { number: 80 } } } }] } }],
  });
  grpcBackend = await startGrpcBackend();
  grpcCert = makeCertificate([GRPC_HOST]);
  w.tlsSecret("grpc-tls", grpcCert);
  w.services.push({ metadata: { name: "grpc", namespace: "default" }, spec: { ports: [{ port: 50051 }] } } as Service);
  w.slices.push({
    metadata: { name: "grpc-1", namespace: "default", labels: { "kubernetes.io/service-name": "grpc" } },
    addressType: "IPv4",
    ports: [{ name: "", port: grpcBackend.port }],
    endpoints: [{ addresses: ["127.0.0.1"], conditions: { ready: true } }],
  } as EndpointSlice);
  w.ingress(
    "grpc",
    {
      tls: [{ hosts: [GRPC_HOST], secretName: "grpc-tls" }],
      rules: [{ host: GRPC_HOST, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "grpc", port: { number: 50051 } } } }] } }],
    },
    { "nginx.ingress.kubernetes.io/backend-protocol": "GRPC" },
  );
});
after(async () => {
  await h?.stop();
  await backend?.stop();
  grpcBackend?.stop();
});

test("a WebSocket, a streamed response and a gRPC stream carry data across 20 reloads", async () => {
  w.settings = { workerProcesses: 1, workerShutdownTimeoutSeconds: 240 };
  await h.apply(w);
  const [firstWorker] = workers();
  const ws = await openWebSocket(h.httpPort);
  const stream = await openStream(h.httpPort);
  const rpc = openGrpcStream(h.httpsPort, grpcCert);
  try {
    rpc.send("hello");
    await rpc.waitFor("[echo hello]", "gRPC echo through nginx");
    for (let i = 1; i <= 20; i++) {
      await reload();
      ws.send(`ping ${i}`);
      await ws.waitFor(`[ping ${i}]`, `WebSocket echo after reload ${i}`);
      backend.streams.at(-1)!.write(`tick ${i}\n`);
      await stream.waitFor(`tick ${i}\n`, `stream chunk after reload ${i}`);
      rpc.send(`ping ${i}`);
      await rpc.waitFor(`[echo ping ${i}]`, `gRPC echo after reload ${i}`);
    }
    // Still the generation that accepted them, 20 reloads later: survived, not re-established.
    assert.ok(workers().includes(firstWorker), `worker ${firstWorker} holding the streams is gone`);
    assert.ok(!ws.closed && !stream.closed && !rpc.closed);
    // The gRPC call ends cleanly: the client half-closes, the server ends, status OK.
    rpc.end();
    await waitUntil("the gRPC call to end", () => rpc.closed, 10_000);
    assert.equal(rpc.status?.code, grpc.status.OK, `gRPC status: ${JSON.stringify(rpc.status)}`);
    assert.equal(rpc.ended, true);
  } finally {
    ws.close();
    stream.close();
    rpc.close();
  }
  // Without connections the old generations exit: only the current worker stays.
  await waitUntil("old workers to exit once their connections closed", () => workers().length === 1, 15_000);
});

test("workerShutdownTimeoutSeconds bounds how long an old generation holds its streams", async () => {
  const timeoutS = 3;
  w.settings = { workerProcesses: 1, workerShutdownTimeoutSeconds: timeoutS };
  await h.apply(w);
  await waitUntil("one worker generation", () => workers().length === 1, 15_000);
  const [oldWorker] = workers();
  const ws = await openWebSocket(h.httpPort);
  const stream = await openStream(h.httpPort);
  const rpc = openGrpcStream(h.httpsPort, grpcCert);
  try {
    rpc.send("before");
    await rpc.waitFor("[echo before]", "gRPC echo before the reload");
    await reload();
    const reloadedAt = Date.now();
    // Within the timeout the old generation still serves its streams...
    ws.send("still there");
    await ws.waitFor("[still there]", "WebSocket echo right after the reload");
    assert.ok(workers().includes(oldWorker), "the old worker left before its timeout");
    // ...then nginx closes them and the old worker exits.
    await waitUntil("the old worker to exit", () => !workers().includes(oldWorker), 30_000);
    const lifetimeMs = Date.now() - reloadedAt;
    await waitUntil("nginx to close the held connections", () => ws.closed && stream.closed && rpc.closed, 5_000);
    assert.notEqual(rpc.status?.code, grpc.status.OK, "the gRPC call was cut, not finished");
    // Slack for a machine shared with others: the bound is the timeout, not the 240 s default.
    assert.ok(lifetimeMs < (timeoutS + 10) * 1000, `old worker lived ${lifetimeMs} ms after the reload (timeout ${timeoutS} s)`);
    assert.equal(workers().length, 1);
  } finally {
    ws.close();
    stream.close();
    rpc.close();
  }
});
