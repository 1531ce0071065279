// Entry of the Pepr module as a local process (local mode and e2e tests). Pepr reads PEPR_MODE /
// PEPR_WATCH_MODE when it is imported, so they are set by the parent before this process starts,
// and everything Pepr-related is imported dynamically after checking them.
import { readFileSync } from "node:fs";

if (!process.env.PEPR_MODE && !process.env.PEPR_WATCH_MODE) {
  console.error("pepr-main: set PEPR_MODE=dev (admission + watches) or PEPR_WATCH_MODE=true before starting");
  process.exit(2);
}
const port = Number(process.env.PORTICO_PEPR_PORT ?? 3000);
const { PeprModule } = await import("pepr");
const cfg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const { capabilities } = await import("../../capabilities/index.js");
const { createRuntime } = await import("../runtime/runtime.js");
const runtime = createRuntime();
new PeprModule(cfg as never, capabilities(runtime), { deferStart: true }).start(port);
runtime.start();
