// Hosts: each rule's host is validated and normalised ("" = hostless); a rule with a bad host is
// dropped with a diagnostic. The rules that survive are staged for the paths processor.

import { normalizeHost, validateHost } from "../../nginx-values.js";
import type { Processor } from "./types.js";

export const hostsProcessor: Processor = {
  name: "hosts",
  process(ctx, work) {
    (work.ingress.spec?.rules ?? []).forEach((rule, index) => {
      let host = "";
      if (rule.host) {
        const err = validateHost(rule.host, `spec.rules[${index}].host`);
        if (err) {
          ctx.report(work.ingress, "HostInvalid", `${err}; rule ignored`);
          return;
        }
        host = normalizeHost(rule.host);
      }
      if (!work.ruleHosts.includes(host)) work.ruleHosts.push(host);
      work.rules.push({ host, index, paths: [] });
    });
  },
};
