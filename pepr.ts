import { PeprModule } from "pepr";
import cfg from "./package.json";
import { capabilities } from "./capabilities/index.js";

new PeprModule(cfg, capabilities);
