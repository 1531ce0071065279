// Bindings only: every watched kind feeds the controller's store. The work is in src/controller.
import { a, Capability } from "pepr";
import { controller } from "../src/controller/instance.js";
import { IngressControllerKind } from "../src/api/kind.js";

export const Watches = new Capability({
  name: "portico-watches",
  description: "Feeds Ingresses and what they reference into Portico's store; a change that matters schedules a rebuild.",
});

const { When } = Watches;

When(a.Ingress)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("Ingress", o as never));
When(a.Ingress)
  .IsDeleted()
  .Watch((o) => controller().remove("Ingress", o as never));
When(a.IngressClass)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("IngressClass", o as never));
When(a.IngressClass)
  .IsDeleted()
  .Watch((o) => controller().remove("IngressClass", o as never));
When(a.Service)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("Service", o as never));
When(a.Service)
  .IsDeleted()
  .Watch((o) => controller().remove("Service", o as never));
When(a.EndpointSlice)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("EndpointSlice", o as never));
When(a.EndpointSlice)
  .IsDeleted()
  .Watch((o) => controller().remove("EndpointSlice", o as never));
When(a.Secret)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("Secret", o as never));
When(a.Secret)
  .IsDeleted()
  .Watch((o) => controller().remove("Secret", o as never));
When(a.ConfigMap)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("ConfigMap", o as never));
When(a.ConfigMap)
  .IsDeleted()
  .Watch((o) => controller().remove("ConfigMap", o as never));
When(IngressControllerKind)
  .IsCreatedOrUpdated()
  .Watch((o) => controller().upsert("IngressController", o as never));
When(IngressControllerKind)
  .IsDeleted()
  .Watch((o) => controller().remove("IngressController", o as never));
