import { PeprModule } from "pepr";
import cfg from "./package.json";
import { capabilities } from "./capabilities/index.js";
import { createRuntime } from "./src/runtime/runtime.js";

const runtime = createRuntime();
new PeprModule(cfg, capabilities(runtime));
runtime.start();
