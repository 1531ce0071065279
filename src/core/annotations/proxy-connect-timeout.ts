import { parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyConnectTimeout = defineAnnotation({
  key: "proxy-connect-timeout",
  field: "proxyConnectTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "settings.proxyConnectTimeoutSeconds",
  doc: 'Backend connect timeout in whole seconds (1..600), e.g. "30".',
  parse: (raw, key) => parseSeconds(raw, key, 1, 600),
});
