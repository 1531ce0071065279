import { MAX_TIMEOUT_SECONDS, parseSeconds } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyReadTimeout = defineAnnotation({
  key: "proxy-read-timeout",
  field: "proxyReadTimeout",
  type: "seconds",
  scope: "location",
  risk: "low",
  default: "settings.proxyReadTimeoutSeconds",
  doc: 'Backend read timeout in whole seconds (1..2147483, as nginx allows), e.g. "30", or an nginx time such as "5m" or "3h" (ingress-nginx reads only whole numbers and falls back to its default for those).',
  parse: (raw, key) => parseSeconds(raw, key, 1, MAX_TIMEOUT_SECONDS),
});
