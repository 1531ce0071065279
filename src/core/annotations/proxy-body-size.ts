import { parseSize } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyBodySize = defineAnnotation({
  key: "proxy-body-size",
  field: "proxyBodySize",
  type: "size",
  scope: "location",
  risk: "low",
  default: "settings.proxyBodySize (1m)",
  doc: "Maximum request body size (client_max_body_size), e.g. 8m; 0 disables the limit.",
  parse: (raw, key) => parseSize(raw, key),
});
