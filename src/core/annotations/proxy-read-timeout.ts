import { parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyReadTimeout = defineAnnotation({
  key: "proxy-read-timeout",
  field: "proxyReadTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "settings.proxyReadTimeoutSeconds",
  doc: 'Backend read timeout in whole seconds (1..3600), e.g. "30".',
  parse: (raw, key) => parseSeconds(raw, key, 1, 3600),
});
