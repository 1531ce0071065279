// templates/portico/status-policy.yaml: a ValidatingAdmissionPolicy (CEL, evaluated by the API
// server itself, no webhook) that lets a data plane's ServiceAccount (`<ns>:<controller>-nginx`)
// change only the agent's status fields of its own IngressController (src/api/status-owners.ts).
import { stringify } from "yaml";
import { childNames } from "../../src/api/names.js";
import { GROUP, PLURAL } from "../../src/api/schema.js";
import { AGENT_STATUS_FIELDS, nonAgentStatusFields } from "../../src/api/status-owners.js";

export const STATUS_POLICY_NAME = "portico-data-plane-status";

/** CEL: field f of status is the same in object and oldObject (both absent counts as the same). */
function unchanged(f: string): string {
  const inNew = `(has(object.status) && has(object.status.${f}))`;
  const inOld = `(has(oldObject.status) && has(oldObject.status.${f}))`;
  return `(${inNew} ? (${inOld} && object.status.${f} == oldObject.status.${f}) : !${inOld})`;
}

export function statusPolicyTemplate(): string {
  const suffix = childNames("").serviceAccount; // "-nginx"
  const labels = { __labels__: "" };
  const policy = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: STATUS_POLICY_NAME, labels },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{ apiGroups: [GROUP], apiVersions: ["*"], operations: ["UPDATE"], resources: [`${PLURAL}/status`] }],
      },
      matchConditions: [
        {
          name: "the-data-plane-of-this-controller",
          expression: `request.userInfo.username == 'system:serviceaccount:' + object.metadata.namespace + ':' + object.metadata.name + '${suffix}'`,
        },
      ],
      validations: nonAgentStatusFields().map((f) => ({
        expression: unchanged(f),
        message: `the data plane may write only status.${AGENT_STATUS_FIELDS.join(", status.")}; status.${f} belongs to the control plane`,
      })),
    },
  };
  const binding = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: STATUS_POLICY_NAME, labels },
    spec: { policyName: STATUS_POLICY_NAME, validationActions: ["Deny"] },
  };
  const yaml = [policy, binding].map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
  return yaml.replace(/^( *)__labels__: ""\n/gm, (_m, pad: string) => `${pad}{{- include "portico.labels" . | nindent ${pad.length} }}\n`);
}
