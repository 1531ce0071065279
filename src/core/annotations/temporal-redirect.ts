import { parseRedirectCode, parseRedirectUrl } from "./permanent-redirect.js";
import { defineAnnotation } from "./types.js";

export const temporalRedirect = defineAnnotation({
  key: "temporal-redirect",
  field: "temporalRedirect",
  type: "url",
  scope: "location",
  risk: "medium",
  default: "",
  doc: "Answer every request of this Ingress's paths with a 302 redirect (see temporal-redirect-code) to this URL; it wins over permanent-redirect if both are set, as in ingress-nginx.",
  parse: (raw, key) => parseRedirectUrl(raw, key),
});

export const temporalRedirectCode = defineAnnotation({
  key: "temporal-redirect-code",
  field: "temporalRedirectCode",
  type: "int",
  scope: "location",
  risk: "low",
  default: "302",
  doc: "Status code of temporal-redirect: 301, 302, 303 or 307. ingress-nginx silently answers 302 for 308 and for codes outside 300..307, and sends no Location header for 300, 304, 305 and 306; Portico refuses those.",
  parse: (raw, key) => parseRedirectCode(raw, key, [301, 302, 303, 307], "302"),
});
