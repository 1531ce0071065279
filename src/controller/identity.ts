// Which IngressClasses belong to which IngressController. A class is ours when its spec.controller
// is Portico's; its parameters name the IngressController that serves it. A class of ours without
// parameters is served by the first IngressController (by namespace/name), so a minimal install works.

import type { ControllerIdentity } from "../core/contract.js";
import type { IngressClass } from "../core/k8s-types.js";
import { objectKey, type StoredIngressController } from "./store.js";

import { CONTROLLER_NAME, DEFAULT_CLASS_ANNOTATION } from "../core/classes.js";

function sortedControllers(controllers: StoredIngressController[]): StoredIngressController[] {
  return controllers.filter((c) => !c.metadata.deletionTimestamp).sort((a, b) => objectKey(a.metadata).localeCompare(objectKey(b.metadata)));
}

export function classServedBy(ingressClass: IngressClass, controllers: StoredIngressController[]): StoredIngressController | undefined {
  if (ingressClass.spec?.controller !== CONTROLLER_NAME) return undefined;
  const live = sortedControllers(controllers);
  const params = ingressClass.spec.parameters;
  if (!params) return live[0];
  if (params.kind !== "IngressController" || (params.apiGroup ?? "") !== "portico.dev") return undefined;
  return live.find((c) => c.metadata.name === params.name && c.metadata.namespace === params.namespace);
}

export function controllerIdentity(
  controller: StoredIngressController,
  ingressClasses: IngressClass[],
  controllers: StoredIngressController[],
): ControllerIdentity {
  const key = objectKey(controller.metadata);
  const mine = ingressClasses
    .filter((cls) => {
      const owner = classServedBy(cls, controllers);
      return owner !== undefined && objectKey(owner.metadata) === key;
    })
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return {
    namespace: controller.metadata.namespace ?? "",
    name: controller.metadata.name,
    ingressClassNames: mine.map((c) => c.metadata.name),
    servesDefaultClass: mine.some((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true"),
  };
}
