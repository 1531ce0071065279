import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const enableAccessLog = defineAnnotation({
  key: "enable-access-log",
  field: "enableAccessLog",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "settings.accessLog",
  doc: 'Write access log lines for this Ingress\'s paths: "false" turns them off; "true" keeps the setting\'s log (or writes one when the setting is off).',
  parse: (raw, key) => parseBool(raw, key),
});
