// The host tools an image build needs; scripts/images/tools.sh installs them with apt.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { RUNTIME } from "./buildah.js";

export const TOOLS: Record<string, string> = {
  mmdebstrap: "mmdebstrap",
  buildah: "buildah",
  gcc: "gcc",
  strip: "binutils",
  go: "golang",
  npm: "npm",
};

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** "tool (package)" for every tool that is not installed. */
export function missingTools(): string[] {
  const missing = Object.entries(TOOLS)
    .filter(([cmd]) => !onPath(cmd))
    .map(([cmd, pkg]) => `${cmd} (${pkg})`);
  if (!existsSync(RUNTIME)) missing.push(`${RUNTIME} (runc)`);
  return missing;
}
