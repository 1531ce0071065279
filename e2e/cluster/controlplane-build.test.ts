// build.sh: a warm start never compiles, and each failure ends with one line saying what to do.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { run } from "../../src/local/cluster/exec.js";
import { binDir, buildScript } from "../../src/local/cluster/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "portico-build-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
const lastLine = (s: string) => s.trim().split("\n").at(-1) ?? "";

describe("src/local/controlplane/build.sh", () => {
  it("does nothing when the binaries match the build key", async () => {
    const key = readFileSync(join(binDir, ".build-key"), "utf8");
    const r = await run("bash", [buildScript]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.equal(readFileSync(join(binDir, ".build-key"), "utf8"), key);
  });

  it("says Go is missing in one line", async () => {
    const r = await run("bash", [buildScript], { env: { ...process.env, PATH: "/usr/bin:/bin" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^portico: Go is not installed; install Go >= \d+\.\d+/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  it("names a failed module download and what to check", async () => {
    const r = await run("bash", [buildScript], {
      env: { ...process.env, PORTICO_BIN_DIR: join(tmp, "bin"), GOPROXY: "off", GOMODCACHE: join(tmp, "modcache"), GOFLAGS: "" },
      timeoutMs: 120_000,
    });
    assert.equal(r.code, 1);
    assert.match(
      lastLine(r.stderr),
      /^portico: downloading the Go modules failed \(GOPROXY=off\); check the network or GOPROXY and retry \(full log: .*build\.log\)$/,
    );
  });
});
