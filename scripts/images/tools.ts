// The host tools an image build needs; scripts/images/tools.sh installs them with apt.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { RUNTIME } from "./buildah.js";

/** What staging the contexts needs (the pause binary, the controller's node_modules). */
export const STAGING_TOOLS: Record<string, string> = {
  gcc: "gcc",
  strip: "binutils",
  go: "golang",
  npm: "npm",
};

/** What building them here needs beyond that. */
export const BUILD_TOOLS: Record<string, string> = {
  mmdebstrap: "mmdebstrap",
  buildah: "buildah",
};

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

/** "tool (package)" for every tool that is not installed. */
export function missingTools(stagingOnly = false): string[] {
  const missing = Object.entries({ ...STAGING_TOOLS, ...(stagingOnly ? {} : BUILD_TOOLS) })
    .filter(([cmd]) => !onPath(cmd))
    .map(([cmd, pkg]) => `${cmd} (${pkg})`);
  if (!stagingOnly && !existsSync(RUNTIME)) missing.push(`${RUNTIME} (runc)`);
  return missing;
}
