// Regenerates the configuration reference inside README.md (between the GENERATED markers) from
// the annotation registry, the settings schema and the control-plane identities, so the docs cannot drift from the code.
// `--check` exits 1 when README.md is stale (CI runs it through `npm run check:generated`).
import { readFileSync, writeFileSync } from "node:fs";
import { annotationsMarkdown } from "../src/core/annotations/docs.js";
import { settingsMarkdown } from "../src/core/settings-docs.js";
import { identitiesMarkdown } from "./gen/identities-docs.js";

const file = new URL("../README.md", import.meta.url);
const sections: Record<string, string> = { annotations: annotationsMarkdown(), settings: settingsMarkdown(), identities: identitiesMarkdown() };

let text = readFileSync(file, "utf8");
for (const [name, body] of Object.entries(sections)) {
  const re = new RegExp(`(<!-- BEGIN GENERATED: ${name} -->\\n)[\\s\\S]*?(<!-- END GENERATED: ${name} -->)`);
  if (!re.test(text)) {
    console.error(`gen-readme: README.md has no GENERATED markers for "${name}"`);
    process.exit(1);
  }
  text = text.replace(re, (_m, open: string, close: string) => `${open}${body.trim()}\n${close}`);
}
const current = readFileSync(file, "utf8");
if (process.argv.includes("--check")) {
  if (current !== text) {
    console.error("gen-readme: README.md's configuration reference is stale; run `npm run build` and commit");
    process.exit(1);
  }
} else if (current !== text) {
  writeFileSync(file, text);
  console.log("gen-readme: README.md updated");
}
