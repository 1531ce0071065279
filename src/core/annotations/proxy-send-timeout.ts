import { MAX_TIMEOUT_SECONDS, parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxySendTimeout = defineAnnotation({
  key: "proxy-send-timeout",
  field: "proxySendTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "settings.proxySendTimeoutSeconds",
  doc: 'Backend send timeout in whole seconds (1..2147483, as nginx allows), e.g. "30", or an nginx time such as "5m" or "3h" (ingress-nginx reads only whole numbers and falls back to its default for those).',
  parse: (raw, key) => parseSeconds(raw, key, 1, MAX_TIMEOUT_SECONDS),
});
