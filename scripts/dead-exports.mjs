#!/usr/bin/env node
// Dead-code check: an export of the shipped code (src/, capabilities/) that nothing names, neither
// another file (tests, benchmarks, scripts and e2e suites count as users) nor its own file, is
// dead; one that only its own file uses is counted as an export that need not be one. Name-based,
// so a name used elsewhere for something else hides a dead export; it never reports a live one.
// Usage: node scripts/dead-exports.mjs [--strict]   (npm run lint runs it and prints what it finds;
// --strict exits 1 when it finds one)
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name === "testdata") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs)$/.test(name)) out.push(p);
  }
  return out;
}
const all = ["pepr.ts", "capabilities", "src", "e2e", "bench", "scripts"].flatMap((d) => {
  const p = join(root, d);
  return statSync(p).isDirectory() ? walk(p) : [p];
});
const text = new Map(all.map((f) => [f, readFileSync(f, "utf8")]));
// Generated files and entry points are read by tools, not imported.
const SKIP = [/\.test\.ts$/, /\.d\.ts$/, /^src\/api\/types\.generated\.ts$/, /^(e2e|bench|scripts)\//, /^pepr\.ts$/];
const EXPORT = /^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
const dead = [];
let localOnly = 0;
for (const [file, src] of text) {
  const rel = relative(root, file);
  if (SKIP.some((r) => r.test(rel))) continue;
  for (const m of src.matchAll(EXPORT)) {
    const name = m[1];
    const word = new RegExp(`\\b${name.replace(/\$/g, "\\$")}\\b`);
    const used = [...text].some(([other, t]) => other !== file && word.test(t));
    if (used) continue;
    const own = src.match(new RegExp(word.source, "g"))?.length ?? 0;
    if (own > 1) localOnly++;
    else dead.push(`${rel}: ${name}`);
  }
}
for (const d of dead) console.error(`dead export: ${d}`);
console.error(`dead exports: ${dead.length}; exports used only in their own file: ${localOnly}`);
process.exit(dead.length && process.argv.includes("--strict") ? 1 : 0);
