// Prometheus metrics of the controller (prom-client), on their own registry (served by the runtime
// beside Pepr's, as the agent serves its own): rebuilds and their duration, publishes, Ingress
// status writes, Events, and the store's size by kind.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { STORED_KINDS, type Store } from "./store.js";

export interface ControllerMetrics {
  registry: Registry;
  rebuilds: Counter;
  rebuildFailures: Counter;
  rebuildDuration: Histogram;
  publishes: Counter;
  statusWrites: Counter;
  events: Counter;
}

export function createControllerMetrics(store: Store, registry = new Registry()): ControllerMetrics {
  const r = [registry];
  new Gauge({
    name: "portico_controller_store_objects",
    help: "Objects in the controller's store, by kind",
    labelNames: ["kind"],
    registers: r,
    collect() {
      for (const k of STORED_KINDS) this.set({ kind: k }, store.count(k));
    },
  });
  return {
    registry,
    rebuilds: new Counter({ name: "portico_controller_rebuilds_total", help: "Rebuilds of every IngressController's desired state", registers: r }),
    rebuildFailures: new Counter({ name: "portico_controller_rebuild_failures_total", help: "Rebuilds that failed and are retried", registers: r }),
    rebuildDuration: new Histogram({
      name: "portico_controller_rebuild_duration_seconds",
      help: "Duration of one rebuild (build, publish, status, events)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    }),
    publishes: new Counter({ name: "portico_controller_publishes_total", help: "Desired states written (the hash changed)", registers: r }),
    statusWrites: new Counter({ name: "portico_controller_ingress_status_writes_total", help: "Ingress status.loadBalancer writes", registers: r }),
    events: new Counter({ name: "portico_controller_events_total", help: "Events recorded for build diagnostics", registers: r }),
  };
}
