#!/usr/bin/env node
// Runs node's test runner (with tsx for TypeScript) over test files of a suite.
// Suites: unit = src/**/*.test.ts (pure and local-process tests), e2e = e2e/**/*.test.ts, all = both;
// core = the pure tests (core, admission, controller, api, operator, runtime): files that start no
// process and open no socket (no node:child_process, node:net, node:http(s) import), in seconds.
// Extra args are passed as file filters (substring match).
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const [suite = "all", ...filters] = process.argv.slice(2);
const roots = {
  unit: ["src", "capabilities", "scripts"],
  e2e: ["e2e"],
  all: ["src", "capabilities", "scripts", "e2e"],
  core: ["src/core", "src/admission", "src/controller", "src/api", "src/operator", "src/runtime"],
}[suite];
if (!roots) {
  console.error(`run-tests: unknown suite "${suite}" (unit, e2e, all, core)`);
  process.exit(2);
}
function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out;
}
let files = roots.flatMap((r) => walk(join(root, r), [])).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
const IO_IMPORT = /from "node:(child_process|net|http|https)"/;
if (suite === "core") files = files.filter((f) => !IO_IMPORT.test(readFileSync(join(root, f), "utf8")));
if (!files.length) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
if (suite === "core") {
  // One process imports every pure test file: no process start and no tsx warm-up per file.
  const entry = join(mkdtempSync(join(tmpdir(), "portico-core-tests-")), "all.test.mjs");
  writeFileSync(entry, files.map((f) => `import ${JSON.stringify(pathToFileURL(join(root, f)).href)};`).join("\n") + "\n");
  const r = spawnSync(process.execPath, ["--import", "tsx", "--test", entry], { cwd: root, stdio: "inherit", env: { ...process.env } });
  rmSync(dirname(entry), { recursive: true, force: true });
  process.exit(r.status ?? 1);
}
const concurrency = suite === "unit" ? "2" : "1";
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env },
});
process.exit(r.status ?? 1);
