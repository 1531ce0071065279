// Kubernetes Events (core/v1), so `kubectl describe` shows what Portico did and why it failed.
// createEvent is the one Event writer; recordEvent fills in the usual fields.
import type { Send } from "./client.js";
import { resourcePath, type ObjectRef } from "./resources.js";

export type EventType = "Normal" | "Warning";

export interface EventSource {
  component: string;
  /** e.g. the pod name or namespace/name of the acting controller. */
  instance?: string;
}

/** A core/v1 Event body (metadata.namespace says where it is created). */
export type EventBody = { metadata: { namespace: string; generateName?: string; name?: string } } & Record<string, unknown>;

export async function createEvent(send: Send, event: EventBody): Promise<void> {
  await send("POST", resourcePath({ apiVersion: "v1", kind: "Event", namespace: event.metadata.namespace }), {
    body: { apiVersion: "v1", kind: "Event", ...event },
  });
}

const MAX_MESSAGE = 1024;

export async function recordEvent(
  send: Send,
  involved: ObjectRef & { uid?: string },
  type: EventType,
  reason: string,
  message: string,
  source: EventSource = { component: "portico" },
): Promise<void> {
  const now = new Date().toISOString();
  const namespace = involved.namespace ?? "default";
  await createEvent(send, {
    metadata: { generateName: `${involved.name}.`, namespace },
    involvedObject: { apiVersion: involved.apiVersion, kind: involved.kind, name: involved.name, namespace: involved.namespace, uid: involved.uid },
    type,
    reason,
    message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE - 1) + "…" : message,
    source: { component: source.component },
    reportingComponent: source.component,
    reportingInstance: source.instance ?? source.component,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  });
}
