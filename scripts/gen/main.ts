// `npm run build`: regenerates every generated file (CRD, types, chart parts from `pepr build`).
// `npm run check:generated`: regenerates in memory and fails, naming the files, when the
// committed ones differ.
import { chartFiles, runPeprBuild } from "./chart.js";
import { GENERATED_DIRS, schemaFiles, staleFiles, writeFiles } from "./build.js";

const check = process.argv.includes("--check");
const files = new Map([...schemaFiles(), ...chartFiles(runPeprBuild())]);
if (check) {
  const stale = staleFiles(files, GENERATED_DIRS);
  if (stale.length) {
    console.error(`generated files are stale (run \`npm run build\` and commit):\n  ${stale.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`generated files are current (${files.size} files)`);
} else {
  writeFiles(files, GENERATED_DIRS);
  console.log(`wrote ${files.size} generated files`);
}
