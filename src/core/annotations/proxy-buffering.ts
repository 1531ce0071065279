import { parseOnOff } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyBuffering = defineAnnotation({
  key: "proxy-buffering",
  field: "proxyBuffering",
  type: "on/off",
  scope: "location",
  risk: "low",
  default: "nginx's on (ingress-nginx: off)",
  doc: 'Buffer backend responses (proxy_buffering): "on" or "off".',
  parse: (raw, key) => parseOnOff(raw, key),
});

export const proxyRequestBuffering = defineAnnotation({
  key: "proxy-request-buffering",
  field: "proxyRequestBuffering",
  type: "on/off",
  scope: "location",
  risk: "low",
  default: "on",
  doc: 'Read the whole request body before passing it on (proxy_request_buffering): "on" or "off" (stream uploads).',
  parse: (raw, key) => parseOnOff(raw, key),
});
