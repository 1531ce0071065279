#!/usr/bin/env node
// Draws the folder-level import graph of the shipped code (tests excluded) and counts the imports
// that run against the layering below. Usage: node scripts/import-graph.mjs [--dot]
// Exits 1 when an import breaks the layering (npm run lint runs it).
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = new URL("..", import.meta.url).pathname;
// Which rooms each room may import (itself always). "log" is src/log.ts, the logger factory.
const ALLOWED = {
  core: [],
  api: ["core"],
  admission: ["core", "api"],
  controller: ["core", "api"],
  k8s: [],
  operator: ["core", "api", "k8s", "log"],
  runtime: ["core", "api", "admission", "controller", "operator", "k8s", "log"],
  agent: ["core", "log"],
  compat: ["core", "api", "admission"],
  migrate: ["core", "api", "admission"],
  capabilities: ["core", "api", "admission", "operator", "runtime", "k8s", "log"],
  "pepr.ts": ["capabilities", "runtime"],
  local: ["core", "api", "admission", "controller", "operator", "k8s", "runtime", "agent", "capabilities", "log", "testing"],
  testing: ["core", "api", "admission", "controller", "operator", "k8s", "runtime", "agent", "local", "log"],
  log: [],
};

function roomOf(file) {
  const rel = relative(root, file);
  if (rel === "pepr.ts") return "pepr.ts";
  if (rel === "src/log.ts") return "log";
  const [top, second] = rel.split("/");
  if (top === "src") return second;
  return top;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".") || name === "testdata") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

const files = [join(root, "pepr.ts"), ...walk(join(root, "capabilities")), ...walk(join(root, "src"))];
const edges = new Map(); // "a -> b" -> [file]
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s+["']([^"']+)["']/g;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || !spec.startsWith(".")) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root)) continue;
    const from = roomOf(file);
    const to = roomOf(target.replace(/\.js$/, ".ts"));
    if (from === to || to === "package.json") continue;
    const key = `${from} -> ${to}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(relative(root, file));
  }
}

const against = [];
for (const [key, users] of [...edges].sort()) {
  const [from, to] = key.split(" -> ");
  const ok = (ALLOWED[from] ?? []).includes(to);
  if (!ok) against.push([key, users]);
}
if (process.argv.includes("--dot")) {
  console.log("digraph imports {");
  for (const [key, users] of [...edges].sort()) {
    const [from, to] = key.split(" -> ");
    const bad = !(ALLOWED[from] ?? []).includes(to);
    console.log(`  "${from}" -> "${to}" [label="${users.length}"${bad ? ', color="red"' : ""}];`);
  }
  console.log("}");
} else {
  for (const [key, users] of [...edges].sort()) console.log(`${key}  (${users.length})`);
}
console.error(`imports against the layering: ${against.length}`);
for (const [key, users] of against) console.error(`  ${key}: ${[...new Set(users)].join(", ")}`);
process.exit(against.length ? 1 : 0);
