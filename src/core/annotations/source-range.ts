// Client address allow and deny lists (ingress-nginx: allowlist-source-range, its older name
// whitelist-source-range, and denylist-source-range). Deny entries are checked before allow ones.

import { parseCidrList } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

const doc = (what: string) => `Comma-separated CIDRs or addresses ${what}.`;

export const allowlistSourceRange = defineAnnotation({
  key: "allowlist-source-range",
  field: "allowlistSourceRange",
  type: "cidr list",
  scope: "location",
  risk: "medium",
  default: "",
  doc: doc("allowed to connect; every other client gets 403. Wins over whitelist-source-range"),
  parse: (raw, key) => parseCidrList(raw, key),
});

export const whitelistSourceRange = defineAnnotation({
  key: "whitelist-source-range",
  field: "whitelistSourceRange",
  type: "cidr list",
  scope: "location",
  risk: "medium",
  default: "",
  doc: doc("allowed to connect (the older name of allowlist-source-range)"),
  parse: (raw, key) => parseCidrList(raw, key),
});

export const denylistSourceRange = defineAnnotation({
  key: "denylist-source-range",
  field: "denylistSourceRange",
  type: "cidr list",
  scope: "location",
  risk: "medium",
  default: "",
  doc: doc("refused with 403"),
  parse: (raw, key) => parseCidrList(raw, key),
});
