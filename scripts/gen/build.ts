// `npm run build` (generated parts) and `npm run check:generated`: writes or compares every file
// generated from src/api: the CRD, the TypeScript types, and the chart's generated templates
// (from `pepr build` output, see chart.ts). `--check` exits 1 and names stale files.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildCrd } from "../../src/api/crd.js";
import { typesSource } from "./types-source.js";
import { toYaml } from "./yaml.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type GeneratedFiles = Map<string, string>;

/** Generated files that depend only on src/api (no pepr build needed). */
export function schemaFiles(): GeneratedFiles {
  const crd = toYaml([buildCrd()]);
  return new Map([
    ["crds/ingresscontroller.yaml", crd],
    ["helm/portico/crds/ingresscontroller.yaml", crd],
    ["src/api/types.generated.ts", typesSource()],
  ]);
}

/** Directories whose every file is generated: files not in the map are extra (removed by build). */
export const GENERATED_DIRS = ["helm/portico/templates/pepr"];

function extraFiles(files: GeneratedFiles, dirs: string[]): string[] {
  return dirs.flatMap((d) => {
    const abs = join(repoRoot, d);
    if (!existsSync(abs)) return [];
    return readdirSync(abs)
      .map((f) => `${d}/${f}`)
      .filter((rel) => !files.has(rel));
  });
}

export function writeFiles(files: GeneratedFiles, dirs: string[] = []): void {
  for (const rel of extraFiles(files, dirs)) rmSync(join(repoRoot, rel));
  for (const [rel, text] of files) {
    const p = join(repoRoot, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (!existsSync(p) || readFileSync(p, "utf8") !== text) writeFileSync(p, text);
  }
}

/** Relative paths whose committed content differs from what would be generated. */
export function staleFiles(files: GeneratedFiles, dirs: string[] = []): string[] {
  return [
    ...extraFiles(files, dirs).map((f) => `${f} (no longer generated)`),
    ...[...files].filter(([rel, text]) => !existsSync(join(repoRoot, rel)) || readFileSync(join(repoRoot, rel), "utf8") !== text).map(([rel]) => rel),
  ];
}
