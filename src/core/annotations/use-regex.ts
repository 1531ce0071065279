import { parseBool } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const useRegex = defineAnnotation({
  key: "use-regex",
  field: "useRegex",
  type: "bool",
  scope: "ingress",
  risk: "medium",
  default: "false",
  doc: 'Treat ImplementationSpecific paths of this Ingress as case-insensitive regular expressions anchored at the start (`~* "^<path>"`), a safe PCRE subset. Prefix and Exact paths keep their API meaning, unless written with regex operators (`/foo(/|$)(.*)`): those are regexes too, as ingress-nginx read them before 1.12 (admission warns). As in ingress-nginx, once any path on a host is a regex, Prefix paths on that host are rendered as regexes too (ordered longest first).',
  parse: (raw, key) => parseBool(raw, key),
});
