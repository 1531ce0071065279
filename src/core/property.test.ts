// Property: whatever admission's validators admit (hosts, paths of every pathType, regexes,
// annotation values), the build renders without throwing and real `nginx -t` accepts, in one
// config per batch. Seeded (PORTICO_PROPERTY_SEED, PORTICO_PROPERTY_CASES), so a failure repeats.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "./build.js";
import { validateHost } from "./nginx-values.js";
import { validatePath } from "./validate.js";
import { parseAnnotations } from "./annotations/registry.js";
import { NginxPrefix } from "../testing/nginx-prefix.js";
import { ingress, path, service, snapshot } from "./test-objects.js";
import type { Ingress, PathType } from "./k8s-types.js";

const SEED = Number(process.env.PORTICO_PROPERTY_SEED ?? 20261201);
const CASES = Number(process.env.PORTICO_PROPERTY_CASES ?? 2000);
const BATCH = 200;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const PIECES = [
  "a",
  "b",
  "/",
  ".",
  "-",
  "_",
  "~",
  "%41",
  "(",
  ")",
  "*",
  "+",
  "?",
  "|",
  "[",
  "]",
  "{",
  "}",
  "^",
  "$",
  "\\.",
  "\\d",
  "\\w",
  "\\/",
  ":",
  "[a-z]",
  "[^/]",
  "{2}",
  "{1,3}",
  "(?:",
  "\\",
  "'",
  ",",
  "=",
  "@",
  "&",
  "!",
  "x{65536}",
  "[:alpha:]",
  "[]",
];
const TYPES: PathType[] = ["Exact", "Prefix", "ImplementationSpecific"];

export function generate(next: () => number) {
  const pick = <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]!;
  const p = "/" + Array.from({ length: 1 + Math.floor(next() * 8) }, () => pick(PIECES)).join("");
  const regex = next() < 0.5;
  const ann: Record<string, string> = {};
  if (regex) ann["nginx.ingress.kubernetes.io/use-regex"] = "true";
  if (next() < 0.2) ann["nginx.ingress.kubernetes.io/rewrite-target"] = pick(["/", "/$1", "/x/$2", "/v1.0", "https://a.example/$1"]);
  if (next() < 0.1) ann["nginx.ingress.kubernetes.io/app-root"] = pick(["/app", "/a.b", "/x"]);
  const host = pick(["a.example.com", "b.example.com", "*.example.com", "", "x-y.example.org"]);
  return { path: p, pathType: pick(TYPES), annotations: ann, host };
}

describe(`property: admitted implies rendered and nginx -t accepted (${CASES} cases, seed ${SEED})`, () => {
  const prefix = new NginxPrefix();
  after(() => prefix.remove());
  test("batches", () => {
    const next = rng(SEED);
    let admitted = 0;
    for (let start = 0; start < CASES; start += BATCH) {
      const ingresses: Ingress[] = [];
      for (let i = start; i < Math.min(CASES, start + BATCH); i++) {
        const c = generate(next);
        const values = parseAnnotations(c.annotations).values;
        const regexMode = values.useRegex === true || values.rewriteTarget !== undefined;
        if (c.host && validateHost(c.host)) continue;
        if (validatePath(c.path, c.pathType, regexMode)) continue;
        admitted++;
        ingresses.push(
          ingress(`case-${i}`, [{ host: c.host || undefined, paths: [path(c.path, c.pathType, "svc")] }], {
            annotations: c.annotations,
            created: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}Z`,
          }),
        );
      }
      const result = build(snapshot({ ingresses, services: [service("svc")] }));
      const err = prefix.test(result.state.config);
      assert.equal(err, undefined, `nginx -t refused batch starting at case ${start} (seed ${SEED}): ${err}`);
      const dropped = result.diagnostics.filter((d) => d.reason === "IngressDropped" || d.reason === "IngressInvalid");
      assert.deepEqual(dropped, [], "an admitted Ingress was dropped by the build");
    }
    assert.ok(admitted > CASES / 10, `too few admitted cases (${admitted}) to mean anything`);
  });
});
