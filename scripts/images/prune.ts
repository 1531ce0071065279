// Shrinks the controller image's node_modules to what the controller loads. Pepr's production
// dependencies include its CLI toolchain (eslint, typescript-eslint, ts-morph with TypeScript,
// quicktype); the controller process and the module it forks need none of them.
import type { WriteStream } from "node:fs";

/** Changes here must change this string: it is part of the controller image's input key. */
export const PRUNE_RECIPE = "none-v1";

export async function pruneControllerApp(_app: string, _log: WriteStream): Promise<void> {}
