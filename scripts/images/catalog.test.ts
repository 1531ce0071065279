// The image catalog against the repository: every images/*/Dockerfile is built, names only bases
// the local build can provide, and the tag is the package version. Pure parts of the builder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { IMAGE_TAG, PORTICO_IMAGES } from "../../src/api/images.js";
import { baseFor } from "./base.js";
import { IMAGES, repoRoot } from "./catalog.js";
import { externalBases, failedStep } from "./dockerfile.js";
import { inputKey } from "./hash.js";
import { missingTools } from "./tools.js";

test("every images/*/Dockerfile is in the catalog, and every FROM has a local root recipe", () => {
  const dirs = readdirSync(join(repoRoot, "images"), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.deepEqual(IMAGES.map((i) => i.dir).sort(), dirs);
  for (const i of IMAGES) {
    for (const from of externalBases(readFileSync(join(repoRoot, "images", i.dir, "Dockerfile"), "utf8"))) {
      assert.ok(baseFor(from), `images/${i.dir}/Dockerfile: FROM ${from} has a recipe in scripts/images/base.ts`);
      assert.match(from, /^debian:[a-z]+-slim$/, `images/${i.dir}: FROM names a public base a release pipeline can pull`);
    }
  }
});

test("image tags are the package version; the catalog builds every Portico image", () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
  assert.equal(IMAGE_TAG, pkg.version);
  for (const ref of Object.values(PORTICO_IMAGES))
    assert.ok(
      IMAGES.some((i) => i.ref === ref),
      `${ref} is built`,
    );
  assert.equal(new Set(IMAGES.map((i) => i.name)).size, IMAGES.length);
});

test("externalBases skips scratch and earlier stages", () => {
  const df =
    "FROM debian:trixie-slim AS build\nRUN x\nFROM build AS second\nFROM scratch\nCOPY --from=build /a /a\nFROM --platform=linux/amd64 debian:bookworm-slim\n";
  assert.deepEqual(externalBases(df), ["debian:trixie-slim", "debian:bookworm-slim"]);
  assert.deepEqual(externalBases("FROM scratch\nCOPY pause /pause\n"), []);
});

test("failedStep names the last step buildah started", () => {
  const out =
    'STEP 1/3: FROM debian:trixie-slim\nSTEP 2/3: RUN apt-get install nope\nE: Unable to locate package nope\nerror building at STEP "RUN apt-get install nope": exit status 100\n';
  assert.equal(failedStep(out), "STEP 2/3: RUN apt-get install nope");
  assert.equal(failedStep("no steps"), undefined);
});

test("inputKey depends on every part and on part names", () => {
  const a = inputKey({ x: "1", y: ["a", "b"] });
  assert.equal(a, inputKey({ y: ["a", "b"], x: "1" }));
  assert.notEqual(a, inputKey({ x: "1", y: ["a", "c"] }));
  assert.notEqual(inputKey({ x: "1" }), inputKey({ z: "1" }));
});

test("a missing host tool is named with the package that provides it", () => {
  const saved = process.env.PATH;
  try {
    process.env.PATH = "/nonexistent-portico-path";
    assert.deepEqual(missingTools(true), ["gcc (gcc)", "strip (binutils)", "go (golang)", "npm (npm)"]);
    assert.ok(missingTools().includes("buildah (buildah)"));
    assert.ok(missingTools().includes("mmdebstrap (mmdebstrap)"));
  } finally {
    process.env.PATH = saved;
  }
});
