// Lists every kind the controller stores, once, to prime the store before the first rebuild.
import { K8s, kind } from "kubernetes-fluent-client";
import type { StoredKind } from "../controller/store.js";
import { IngressControllerKind } from "../api/kind.js";

export async function listAllKinds(): Promise<Record<StoredKind, unknown[]>> {
  const [ingresses, classes, services, slices, secrets, configMaps, controllers] = await Promise.all([
    K8s(kind.Ingress).Get(),
    K8s(kind.IngressClass).Get(),
    K8s(kind.Service).Get(),
    K8s(kind.EndpointSlice).Get(),
    K8s(kind.Secret).Get(),
    K8s(kind.ConfigMap).Get(),
    K8s(IngressControllerKind).Get(),
  ]);
  return {
    Ingress: ingresses.items,
    IngressClass: classes.items,
    Service: services.items,
    EndpointSlice: slices.items,
    Secret: secrets.items,
    ConfigMap: configMaps.items,
    IngressController: controllers.items,
  };
}
