import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const serviceUpstream = defineAnnotation({
  key: "service-upstream",
  field: "serviceUpstream",
  type: "bool",
  scope: "location",
  risk: "low",
  default: "false",
  doc: "Proxy to the Service's cluster IP instead of its endpoints (kube-proxy or a mesh balances); ExternalName and headless Services are refused.",
  parse: (raw, key) => parseBool(raw, key),
});
