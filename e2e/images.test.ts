// Portico's images as `npm run images` builds them (or finds them current: the build is cached by
// input key, so a warm run costs seconds). Checks what can be checked without a node, on the
// archives the node imports: each is tagged exactly as the chart references it, runs as a non-root
// user, and does its job when run with buildah and runc: nginx loads the Lua, stream and NDK modules,
// serves a Lua location that uses resty.core and cjson, as uid 101, and accepts every golden config; the agent bundle loads; the two
// data-plane users exist; portico-nginx-run and the agent (external mode) in two containers of the
// image serve a route; the default backend's config passes `nginx -t`; the echo server answers
// JSON with method, path, headers and the pod name; the controller's node_modules load, the chart's
// Pepr module loads with them, and /app is the controller's to write; pause is a static binary that reports its version.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PORTICO_IMAGES } from "../src/api/images.js";
import { ensureDefaultCertificate } from "../src/agent/default-cert.js";
import { archivePath, IMAGES, PAUSE_IMAGE, repoRoot } from "../scripts/images/catalog.js";
import { Buildah, RUNTIME } from "../scripts/images/buildah.js";
import { chartModule } from "../scripts/images/prune.js";
import { freePort, freePorts } from "../src/testing/ports.js";
import { until } from "../src/testing/until.js";
import { contractConfig } from "../src/testing/contract-config.js";
import { build } from "../src/core/build.js";
import { loadFixture } from "../src/core/test-fixtures.js";
import { startEcho } from "../src/testing/echo.js";

const buildah = new Buildah(join(repoRoot, ".portico/images/store"));
const goldenDir = join(repoRoot, "src/core/testdata");
const containers: string[] = [];
const children: ChildProcess[] = [];

function tarFile(archive: string, member: string): string {
  const r = spawnSync("tar", ["-xOf", archive, member], { encoding: "utf8", maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `tar -xOf ${archive} ${member}: ${r.stderr}`);
  return r.stdout;
}

interface ArchiveInfo {
  tags: string[];
  config: { config: { User?: string; Entrypoint?: string[]; Env?: string[] } };
  layers: string[];
}

function inspect(name: string): ArchiveInfo {
  const archive = archivePath(name);
  const [m] = JSON.parse(tarFile(archive, "manifest.json")) as { Config: string; RepoTags: string[]; Layers: string[] }[];
  return { tags: m.RepoTags, config: JSON.parse(tarFile(archive, m.Config)), layers: m.Layers };
}

/** A working container from the archive itself (what the node imports), not from the build store. */
async function container(name: string): Promise<string> {
  const id = (await buildah.run(["from", "--pull=never", `docker-archive:${archivePath(name)}`])).trim().split("\n").pop()!;
  containers.push(id);
  return id;
}

/** Runs a command in the container as the image's user; resolves with stdout+stderr and status. */
function runIn(ctr: string, cmd: string[], env: Record<string, string> = {}): { status: number | null; out: string } {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const r = spawnSync("buildah", [...buildahGlobal(), "run", "--runtime", RUNTIME, "--network", "host", ...envArgs, ctr, "--", ...cmd], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function startIn(ctr: string, cmd: string[], env: Record<string, string> = {}, volumes: string[] = []): ChildProcess {
  const envArgs = Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]);
  const volArgs = volumes.flatMap((v) => ["-v", v]);
  const p = spawn("buildah", [...buildahGlobal(), "run", "--runtime", RUNTIME, "--network", "host", ...envArgs, ...volArgs, ctr, "--", ...cmd], {
    stdio: "pipe",
  });
  children.push(p);
  return p;
}

function buildahGlobal(): string[] {
  const store = join(repoRoot, ".portico/images/store");
  return ["--root", join(store, "root"), "--runroot", join(store, "run"), "--storage-driver", "overlay"];
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { headers: { "x-test": "portico" } });
  return { status: r.status, body: await r.text() };
}

function tcpLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let data = "";
    sock.on("data", (d) => (data += d));
    sock.on("end", () => resolve(data.trim()));
    sock.on("error", reject);
  });
}

before(
  () => {
    // The command users run; current images make this a few seconds.
    const r = spawnSync("npm", ["run", "--silent", "images"], { cwd: repoRoot, encoding: "utf8", timeout: 40 * 60_000 });
    assert.equal(r.status, 0, `npm run images failed:\n${r.stderr.slice(-4000)}`);
  },
  { timeout: 41 * 60_000 },
);

after(async () => {
  for (const p of children) p.kill("SIGTERM");
  for (const c of containers) await buildah.run(["rm", c]).catch(() => undefined);
});

describe("images", () => {
  test("every archive is tagged exactly as the chart and the node reference it", () => {
    const values = readFileSync(join(repoRoot, "helm/portico/values.yaml"), "utf8");
    for (const ref of [PORTICO_IMAGES.nginx, PORTICO_IMAGES.defaultBackend, PORTICO_IMAGES.controller]) {
      assert.ok(values.includes(ref), `helm/portico/values.yaml references ${ref}`);
    }
    const chartImages = [...values.matchAll(/^\s*image: '?([^'\s]+)'?$/gm)].map((m) => m[1]);
    assert.ok(chartImages.length >= 4, `found the chart's image values: ${chartImages.join(", ")}`);
    const built = new Set(IMAGES.map((i) => i.ref));
    for (const ref of chartImages) assert.ok(built.has(ref), `the chart's image ${ref} is one npm run images builds`);
    for (const spec of IMAGES) assert.deepEqual(inspect(spec.name).tags, [spec.ref], `${spec.name}.tar is tagged ${spec.ref}`);
    assert.equal(inspect("pause").tags[0], PAUSE_IMAGE);
  });

  test("every image runs as a non-root user", () => {
    const expected: Record<string, string> = {
      "portico-nginx": "101:101",
      "portico-default-backend": "101:101",
      "portico-controller": "65532:65532",
      "portico-echo": "65532:65532",
      pause: "65535:65535",
    };
    for (const spec of IMAGES) {
      const user = inspect(spec.name).config.config.User ?? "";
      assert.equal(user, expected[spec.name], `${spec.name} runs as ${expected[spec.name]}`);
      assert.ok(!/^(0|root)(:|$)/.test(user));
    }
  });

  test("portico-nginx: nginx with the Lua, stream and NDK modules serves Lua (resty.core, cjson) as uid 101; the agent bundle loads", async () => {
    const ctr = await container("portico-nginx");
    const v = runIn(ctr, ["nginx", "-V"]);
    assert.equal(v.status, 0, v.out);
    assert.match(v.out, /nginx version: nginx\/1\.\d+/);
    const users = runIn(ctr, ["sh", "-c", "id -u; id -g; getent passwd nginx portico-agent"]);
    assert.equal(users.status, 0, users.out);
    assert.match(users.out, /^101\n101\n/);
    assert.match(users.out, /^nginx:x:101:101:/m);
    assert.match(users.out, /^portico-agent:x:102:101:/m);

    const [port, streamPort] = await freePorts(2);
    const prefix = "/tmp/portico-image-test";
    const conf = [
      "load_module /usr/lib/nginx/modules/ndk_http_module.so;",
      "load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;",
      "load_module /usr/lib/nginx/modules/ngx_stream_module.so;",
      "pid /tmp/portico-image-test/nginx.pid; error_log stderr notice; events {}",
      `stream { server { listen 127.0.0.1:${streamPort}; return "stream ok\\n"; } }`,
      "http { access_log off; client_body_temp_path /tmp/portico-image-test/b; proxy_temp_path /tmp/portico-image-test/p;",
      "  fastcgi_temp_path /tmp/portico-image-test/f; uwsgi_temp_path /tmp/portico-image-test/u; scgi_temp_path /tmp/portico-image-test/s;",
      `  lua_package_path "/opt/portico/lua/?.lua;;";`,
      `  server { listen 127.0.0.1:${port};`,
      `    location / { content_by_lua_block { require "resty.core"; local cjson = require "cjson"; ngx.say(cjson.encode({ uid = io.popen("id -u"):read("*l"), ok = true })) } } } }`,
    ].join("\n");
    const script = `mkdir -p ${prefix} && cat > ${prefix}/nginx.conf <<'EOF'\n${conf}\nEOF\nnginx -t -p ${prefix}/ -c ${prefix}/nginx.conf && exec nginx -p ${prefix}/ -c ${prefix}/nginx.conf -g 'daemon off;'`;
    const nginx = startIn(ctr, ["sh", "-c", script]);
    let log = "";
    nginx.stderr!.on("data", (d) => (log += d));
    await until("nginx in the image answers", async () => ((await get(`http://127.0.0.1:${port}/`)).status === 200 ? true : undefined), {
      timeoutMs: 20_000,
      context: () => log,
    });
    const r = await get(`http://127.0.0.1:${port}/`);
    assert.deepEqual(JSON.parse(r.body), { uid: "101", ok: true });
    assert.equal(await tcpLine(streamPort), "stream ok");
    nginx.kill("SIGTERM");

    // The bundle evaluates every module it imports before parsing arguments: a bad flag is its usage (exit 2).
    const agent = runIn(ctr, ["node", "/opt/portico/agent.mjs", "--no-such-flag"]);
    assert.equal(agent.status, 2, agent.out);
    assert.match(agent.out, /--source/);
    const lua = runIn(ctr, ["ls", "/opt/portico/lua"]);
    assert.match(lua.out, /portico\.lua/);
  });

  test("portico-nginx: every golden config of src/core/testdata passes nginx -t with the image's nginx", async () => {
    // The goldens are tested on the host's nginx (local mode); pods run the image's (trixie's) nginx.
    // As root only because the goldens listen on 80/443, which nginx -t binds; pods use 8080/8443.
    const ctr = await container("portico-nginx");
    const certs = mkdtempSync(join(tmpdir(), "portico-golden-certs-"));
    try {
      chmodSync(certs, 0o755);
      // The files the agent writes into its prefix (conf/default.crt, default.key), made the same way.
      await ensureDefaultCertificate(certs);
      for (const f of ["default.key", "default.crt"]) chmodSync(join(certs, f), 0o644);
      // The files a state carries (CA bundles, backend client certificates) go beside the config as
      // the agent lays them out (conf/files/<name>): built from each golden's fixture.
      for (const yaml of readdirSync(goldenDir).filter((f) => f.endsWith(".yaml"))) {
        const { snapshot, renderOptions } = loadFixture(readFileSync(join(goldenDir, yaml), "utf8"));
        const files = build(snapshot, renderOptions).state.files ?? {};
        if (!Object.keys(files).length) continue;
        const dir = join(certs, "files", yaml.replace(/\.yaml$/, ""));
        mkdirSync(dir, { recursive: true });
        for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o644 });
      }
      chmodSync(certs, 0o755);
      const script = [
        "n=0; for f in /golden/*.nginx.conf; do p=/tmp/p; rm -rf $p; mkdir -p $p/conf $p/logs $p/tmp; ln -s /opt/portico/lua $p/lua;",
        "g=$(basename $f .nginx.conf); cp /certs/default.* $p/conf/; if [ -d /certs/files/$g ]; then mkdir -p $p/conf/files; cp /certs/files/$g/* $p/conf/files/; fi;",
        "cp $f $p/conf/nginx.conf; n=$((n+1));",
        'if ! out=$(nginx -t -q -p $p/ -c $p/conf/nginx.conf 2>&1); then echo "FAIL $f: $out"; fi; done; echo "tested $n"',
      ].join(" ");
      const r = spawnSync(
        "buildah",
        [
          ...buildahGlobal(),
          "run",
          "--runtime",
          RUNTIME,
          "--user",
          "0:0",
          "--network",
          "none",
          "-v",
          `${goldenDir}:/golden:ro`,
          "-v",
          `${certs}:/certs:ro`,
          ctr,
          "--",
          "sh",
          "-c",
          script,
        ],
        { encoding: "utf8", timeout: 120_000 },
      );
      const out = `${r.stdout}${r.stderr}`;
      assert.equal(r.status, 0, out);
      assert.doesNotMatch(out, /^FAIL /m, out);
      const goldens = readdirSync(goldenDir).filter((f) => f.endsWith(".nginx.conf")).length;
      assert.ok(goldens > 0);
      assert.match(out, new RegExp(`^tested ${goldens}$`, "m"));
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
  });

  test("portico-nginx: the NGINX pod's two containers (portico-nginx-run, the agent in external mode) serve a route", async () => {
    // Two containers from the one image sharing what the pod shares: the run directory (an emptyDir,
    // group 101 as fsGroup makes it) and the network. The desired state comes from a file source.
    const [httpPort, controlPort, metricsPort] = await freePorts(3);
    const echo = await startEcho({ pod: "echo-in-pod-test" });
    const run = mkdtempSync(join(tmpdir(), "portico-pod-run-"));
    const state = mkdtempSync(join(tmpdir(), "portico-pod-state-"));
    try {
      chownSync(run, 101, 101);
      chmodSync(run, 0o2775);
      chmodSync(state, 0o755);
      writeFileSync(join(state, "nginx.conf"), contractConfig({ httpPort, controlPort, routes: { "/": "default-echo-80" } }), { mode: 0o644 });
      writeFileSync(join(state, "endpoints.json"), JSON.stringify({ "default-echo-80": [{ address: echo.host, port: echo.port }] }), { mode: 0o644 });
      const env = { PORTICO_PREFIX: "/var/run/portico/nginx", PORTICO_RELOAD_FIFO: "/var/run/portico/reload" };
      const volumes = [`${run}:/var/run/portico`, `${state}:/state:ro`];
      const nginxCtr = await container("portico-nginx");
      const agentCtr = await container("portico-nginx");
      const nginx = startIn(nginxCtr, ["/usr/local/bin/portico-nginx-run"], env, volumes);
      const agentArgs = ["--source", "file:/state", "--nginx-mode", "external", "--control-port", String(controlPort)];
      const agent = startIn(
        agentCtr,
        ["node", "/opt/portico/agent.mjs", ...agentArgs, "--metrics-port", String(metricsPort), "--metrics-address", "127.0.0.1"],
        env,
        volumes,
      );
      let log = "";
      for (const p of [nginx, agent]) for (const s of [p.stdout!, p.stderr!]) s.on("data", (d) => (log += d));
      const r = await until(
        "a request through the pod's nginx reaches the echo backend",
        async () => {
          const res = await get(`http://127.0.0.1:${httpPort}/via-pod`);
          return res.status === 200 ? res : undefined;
        },
        { timeoutMs: 30_000, context: () => log.slice(-3000) },
      );
      const body = JSON.parse(r.body);
      assert.equal(body.pod, "echo-in-pod-test");
      assert.equal(body.path, "/via-pod");
      assert.match(log, /nginx started/);
      for (const p of [agent, nginx]) p.kill("SIGTERM");
      await Promise.all([agent, nginx].map((p) => new Promise((res) => (p.exitCode !== null ? res(null) : p.once("exit", res)))));
    } finally {
      await echo.stop();
      rmSync(run, { recursive: true, force: true });
      rmSync(state, { recursive: true, force: true });
    }
  });

  test("portico-default-backend: its nginx config is valid", async () => {
    const ctr = await container("portico-default-backend");
    const t = runIn(ctr, ["nginx", "-t", "-e", "stderr", "-c", "/etc/portico/default-backend.conf"]);
    assert.equal(t.status, 0, t.out);
    assert.match(t.out, /test is successful/);
  });

  test("portico-echo: answers JSON with method, path, headers and the pod name", async () => {
    const ctr = await container("portico-echo");
    const cfg = inspect("portico-echo").config.config;
    assert.deepEqual(cfg.Entrypoint?.slice(0, 2), ["node", "/opt/portico-echo/echo-server.mjs"]);
    const port = await freePort();
    const p = startIn(ctr, ["node", "/opt/portico-echo/echo-server.mjs", "--host", "127.0.0.1", "--port", String(port)], { POD_NAME: "echo-7f9c" });
    let out = "";
    p.stdout!.on("data", (d) => (out += d));
    p.stderr!.on("data", (d) => (out += d));
    await until("the echo server answers", async () => ((await get(`http://127.0.0.1:${port}/x`)).status === 200 ? true : undefined), {
      timeoutMs: 20_000,
      context: () => out,
    });
    const r = await get(`http://127.0.0.1:${port}/some/path?q=1`);
    const body = JSON.parse(r.body);
    assert.equal(body.method, "GET");
    assert.equal(body.path, "/some/path?q=1");
    assert.equal(body.pod, "echo-7f9c");
    assert.equal(body.headers["x-test"], "portico");
    p.kill("SIGTERM");
  });

  test("portico-controller: pepr's controller and its dependencies load; /app is the controller's to write", async () => {
    const ctr = await container("portico-controller");
    const pinned = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies: { pepr: string } }).dependencies.pepr;
    const script = [
      "const p = require('/app/node_modules/pepr/package.json');",
      "require('kubernetes-fluent-client'); require('pino'); require('/app/node_modules/pepr/dist/lib.js');",
      "require('fs').writeFileSync('/app/module-test.js', '1');",
      "console.log(JSON.stringify({ version: p.version, uid: process.getuid(), cwd: process.cwd() }));",
    ].join(" ");
    const r = runIn(ctr, ["node", "-e", script]);
    assert.equal(r.status, 0, r.out);
    const last = JSON.parse(r.out.trim().split("\n").pop()!);
    assert.deepEqual(last, { version: pinned, uid: 65532, cwd: "/app" });
    assert.deepEqual(inspect("portico-controller").config.config.Entrypoint, ["node"]);

    // The chart's own module, loaded as the controller forks it: every require resolves in the
    // pruned node_modules, so it gets as far as reading the webhook certificate (not mounted here).
    const { hash, gz } = chartModule(readFileSync(join(repoRoot, "helm/portico/templates/pepr/module-secret.yaml"), "utf8"));
    const load = mkdtempSync(join(tmpdir(), "portico-module-"));
    try {
      chmodSync(load, 0o755); // read by uid 65532, as the Secret volume would be
      writeFileSync(join(load, `module-${hash}.js.gz`), gz, { mode: 0o644 });
      const m = spawnSync(
        "buildah",
        [
          ...buildahGlobal(),
          "run",
          "--runtime",
          RUNTIME,
          "--network",
          "none",
          "-v",
          `${load}:/app/load:ro`,
          "--env",
          "PEPR_WATCH_MODE=false",
          ctr,
          "--",
          "sh",
          "-c",
          `zcat /app/load/module-${hash}.js.gz > /app/module-${hash}.js && exec node /app/module-${hash}.js`,
        ],
        { encoding: "utf8", timeout: 60_000 },
      );
      const out = `${m.stdout}${m.stderr}`;
      assert.doesNotMatch(out, /Cannot find module|MODULE_NOT_FOUND/, out.slice(-3000));
      assert.match(out, /Validate Action configured/, out.slice(-3000));
      assert.match(out, /ENOENT[^\n]*\/etc\/certs\/tls\.key/, out.slice(-3000));
    } finally {
      rmSync(load, { recursive: true, force: true });
    }
  });

  test("pause: a static binary that reports its version", () => {
    const info = inspect("pause");
    assert.equal(info.layers.length, 1);
    const dir = mkdtempSync(join(tmpdir(), "portico-pause-"));
    try {
      const x = spawnSync("sh", ["-c", `tar -xOf ${archivePath("pause")} ${info.layers[0]} | tar -x -C ${dir} pause && ${dir}/pause -v`], { encoding: "utf8" });
      assert.equal(x.status, 0, x.stderr);
      assert.match(x.stdout + x.stderr, new RegExp(`v${PAUSE_IMAGE.split(":")[1].replace(/\./g, "\\.")}`));
      const ldd = spawnSync("ldd", [join(dir, "pause")], { encoding: "utf8" });
      assert.match(ldd.stdout + ldd.stderr, /not a dynamic executable|statically linked/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a second run finds every image current and builds nothing", () => {
    const r = spawnSync("npx", ["tsx", "scripts/images/build.ts", "--check"], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /all current/);
  });
});

describe("a failed build", () => {
  test("keeps the previous archive, names the image and the step, and leaves the image stale", () => {
    // pause builds FROM scratch in about a second, so a private output dir costs nothing.
    const out = mkdtempSync(join(tmpdir(), "portico-images-out-"));
    const src = mkdtempSync(join(tmpdir(), "portico-images-src-"));
    const env = { ...process.env, PORTICO_IMAGES_DIR: out, PORTICO_IMAGES_SRC: src };
    const build = (...args: string[]) =>
      spawnSync("npx", ["tsx", "scripts/images/build.ts", "--only", "pause", ...args], { cwd: repoRoot, env, encoding: "utf8", timeout: 300_000 });
    try {
      cpSync(join(repoRoot, "images"), src, { recursive: true });
      const first = build();
      assert.equal(first.status, 0, first.stderr);
      const archive = join(out, "pause.tar");
      const good = readFileSync(archive);

      const dockerfile = join(src, "pause/Dockerfile");
      writeFileSync(dockerfile, readFileSync(dockerfile, "utf8").replace("COPY pause /pause\n", "COPY pause /pause\nCOPY no-such-file /nowhere\n"));
      const broken = build();
      assert.equal(broken.status, 1, broken.stderr);
      assert.match(broken.stderr, /pause: buildah bud failed at STEP 3\/5: COPY no-such-file \/nowhere/);
      assert.match(broken.stderr, /full log: \S+\/logs\/pause\.log/);
      assert.match(broken.stderr, /pause: kept the previous archive/);
      assert.ok(readFileSync(archive).equals(good), "the previous archive is unchanged");
      assert.ok(!existsSync(`${archive}.tmp`));

      const check = build("--check");
      assert.equal(check.status, 1);
      assert.match(check.stderr, /pause: stale/);
    } finally {
      spawnSync("buildah", ["--root", join(out, "store/root"), "--runroot", join(out, "store/run"), "rm", "--all"]);
      rmSync(out, { recursive: true, force: true });
      rmSync(src, { recursive: true, force: true });
    }
  });
});
