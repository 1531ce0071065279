// Markdown table of the global settings, generated from settingsSchema (single source).

import { DEFAULT_SETTINGS, settingsSchema } from "./settings.js";

export function settingsMarkdown(): string {
  const lines = ["| setting | type | default | description |", "|---|---|---|---|"];
  const props = settingsSchema.properties as Record<string, { type?: string; description: string; items?: { type?: string } }>;
  for (const name of Object.keys(props).sort()) {
    const p = props[name]!;
    const type = p.type === "array" ? `${p.items?.type ?? "any"}[]` : (p.type ?? "int-or-string");
    const def = JSON.stringify((DEFAULT_SETTINGS as unknown as Record<string, unknown>)[name]);
    lines.push(`| \`${name}\` | ${type} | \`${def}\` | ${p.description.replace(/\|/g, "\\|")} |`);
  }
  return lines.join("\n") + "\n";
}
