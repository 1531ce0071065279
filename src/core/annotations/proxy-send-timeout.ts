import { parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxySendTimeout = defineAnnotation({
  key: "proxy-send-timeout",
  field: "proxySendTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "settings.proxySendTimeoutSeconds",
  doc: 'Backend send timeout in whole seconds (1..3600), e.g. "30".',
  parse: (raw, key) => parseSeconds(raw, key, 1, 3600),
});
