// Markdown table of the supported annotations, generated from the specs (README, docs site).

import { ACCESS_CONTROL_KEYS } from "./ingress-nginx-keys.js";
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
  const refused = Object.keys(ACCESS_CONTROL_KEYS)
    .filter((k) => !ANNOTATIONS.some((a) => a.key === k))
    .sort();
  if (refused.length) {
    lines.push(
      "",
      `Refused, not ignored (they control access or security and Portico does not implement them yet; admission denies them and the build does not serve an Ingress that carries one): ${refused.map((k) => `\`${k}\``).join(", ")}. Other ingress-nginx keys Portico does not implement are ignored with an admission warning.`,
    );
  }
  lines.push("", `Always rejected: ${REJECTED_ANNOTATIONS.map((a) => `\`${a.key}\``).join(", ")} — ${REJECTED_ANNOTATIONS[0]?.reason ?? ""}.`, "");
  return lines.join("\n");
}
