// Markdown table of the supported annotations, generated from the specs (README, docs site).

import { ANNOTATIONS, PREFIXES, REJECTED_ANNOTATIONS } from "./registry.js";

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function annotationsMarkdown(): string {
  const lines = [
    `Annotations are read under both prefixes ${PREFIXES.map((p) => `\`${p}\``).join(" and ")}; the \`portico.dev/\` one wins when both are set.`,
    "",
    "| annotation | type | scope | risk | default | description |",
    "|---|---|---|---|---|---|",
  ];
  for (const a of [...ANNOTATIONS].sort((x, y) => (x.key < y.key ? -1 : 1))) {
    lines.push(`| \`${a.key}\` | ${a.type} | ${a.scope} | ${a.risk} | ${cell(a.default || "—")} | ${cell(a.doc)} |`);
  }
  lines.push("", `Always rejected: ${REJECTED_ANNOTATIONS.map((a) => `\`${a.key}\``).join(", ")} — ${REJECTED_ANNOTATIONS[0]?.reason ?? ""}.`, "");
  return lines.join("\n");
}
