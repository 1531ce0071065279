#!/usr/bin/env node
// Runs node's test runner (with tsx for TypeScript) over test files of a suite.
// Suites: unit = src/**/*.test.ts (pure and local-process tests), e2e = e2e/**/*.test.ts, all = both.
// Extra args are passed as file filters (substring match).
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const [suite = "all", ...filters] = process.argv.slice(2);
const roots = { unit: ["src", "capabilities", "scripts"], e2e: ["e2e"], all: ["src", "capabilities", "scripts", "e2e"] }[suite];
if (!roots) {
  console.error(`run-tests: unknown suite "${suite}" (unit, e2e, all)`);
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
if (!files.length) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const concurrency = suite === "unit" ? "2" : "1";
const r = spawnSync(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env },
});
process.exit(r.status ?? 1);
