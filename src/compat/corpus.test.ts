// The compatibility suite: the whole ingress-nginx corpus through admission and the build (pure,
// no cluster). Fails when fewer snippet-free files are served with every annotation honoured than
// the recorded baseline, when any admitted file has an access-control annotation ignored, or when
// the build disagrees with admission about an admitted Ingress.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkCorpus, corpusDir, INVALID_FOR_KUBERNETES } from "./corpus.js";

const baseline = JSON.parse(readFileSync(new URL("./corpus-baseline.json", import.meta.url), "utf8")) as {
  honoured: number;
  accessIgnored: number;
  buildDisagrees: number;
};

describe("ingress-nginx corpus compatibility", () => {
  const dir = corpusDir();
  test("the corpus is present (PORTICO_CORPUS or ../shared/corpus/ingress-nginx)", () => assert.ok(dir, "corpus folder not found"));
  if (!dir) return;
  const { results, figures } = checkCorpus(dir);
  const pct = ((100 * figures.honoured) / figures.snippetFree).toFixed(1);
  const list = (o: string) =>
    results
      .filter((r) => r.outcome === o)
      .map((r) => `${r.file}: ${r.details.slice(0, 3).join("; ")}`)
      .join("\n");

  test(`snippet-free files admitted with every annotation honoured: ${figures.honoured}/${figures.snippetFree} (${pct}%), baseline ${baseline.honoured}`, () => {
    assert.ok(figures.snippetFree > 200, `only ${figures.snippetFree} snippet-free files found in ${dir}`);
    assert.ok(figures.honoured >= baseline.honoured, `regressed: ${figures.honoured} < ${baseline.honoured}`);
  });

  test("the files counted apart as invalid for Kubernetes are corpus files", () => {
    const names = new Set(results.map((r) => r.file));
    for (const f of Object.keys(INVALID_FOR_KUBERNETES)) assert.ok(names.has(f), `${f} (invalid-for-kubernetes.json) is not in the corpus`);
    assert.equal(figures.invalidForKubernetes, Object.keys(INVALID_FOR_KUBERNETES).length);
  });

  test("no admitted file has an access-control annotation ignored", () => {
    assert.equal(figures.accessIgnored, baseline.accessIgnored, results.flatMap((r) => r.accessIgnored).join("\n"));
  });

  test("the build serves every admitted Ingress with every annotation admission accepted", () => {
    assert.ok(figures.buildDisagrees <= baseline.buildDisagrees, list("build-disagrees"));
  });
});
