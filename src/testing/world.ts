// Behaviour-test world: Kubernetes objects built in code around real echo pods, turned into a
// Snapshot, built with core's build() and applied with a real Agent + nginx.
import type { AgentOptions } from "../agent/agent.js";
import type { BuildResult, RenderOptions, Snapshot } from "../core/contract.js";
import type { ConfigMap, EndpointSlice, Ingress, Secret, Service } from "../core/k8s-types.js";
import { build } from "../core/build.js";
import { withDefaults, type Settings } from "../core/settings.js";
import { startAgentFixture, type AgentFixture } from "./agent-fixture.js";
import type { TestCertificate } from "./certs.js";
import { startEcho, type EchoBackend, type EchoOptions } from "./echo.js";
import { freePort } from "./ports.js";

export const NS = "default";
let loopbackHost = 30;

/** A fresh 127.0.0.x address for each pod, so pods are told apart by address too. */
export function nextLoopback(): string {
  loopbackHost = loopbackHost >= 250 ? 30 : loopbackHost + 1;
  return `127.0.1.${loopbackHost}`;
}

export class World {
  readonly services: Service[] = [];
  readonly slices: EndpointSlice[] = [];
  readonly ingresses: Ingress[] = [];
  readonly secrets: Secret[] = [];
  readonly configMaps: ConfigMap[] = [];
  readonly pods: EchoBackend[] = [];
  settings: Partial<Settings> = {};
  private seq = 0;

  /** Starts `count` echo pods and a Service `name` (port `port`, optionally named) selecting them. */
  async service(
    name: string,
    opts: { port?: number; portName?: string; pods?: number; echo?: Partial<EchoOptions>; ns?: string } = {},
  ): Promise<EchoBackend[]> {
    const ns = opts.ns ?? NS;
    const port = opts.port ?? 80;
    const pods: EchoBackend[] = [];
    for (let i = 0; i < (opts.pods ?? 1); i++) {
      const pod = await startEcho({ host: nextLoopback(), service: `${ns}/${name}`, pod: `${name}-${i}`, ...opts.echo });
      pods.push(pod);
      this.pods.push(pod);
      // One slice per pod: each echo listens on its own free port.
      this.slices.push({
        metadata: { name: `${name}-${i}`, namespace: ns, labels: { "kubernetes.io/service-name": name } },
        addressType: "IPv4",
        ports: [{ name: opts.portName ?? "", port: pod.port, protocol: "TCP" }],
        endpoints: [{ addresses: [pod.host], conditions: { ready: true } }],
      } as EndpointSlice);
    }
    this.services.push({
      metadata: { name, namespace: ns },
      spec: { ports: [{ name: opts.portName, port, targetPort: 8080, protocol: "TCP" }] },
    } as Service);
    return pods;
  }

  tlsSecret(name: string, cert: TestCertificate, ns = NS): void {
    this.secrets.push({
      metadata: { name, namespace: ns },
      type: "kubernetes.io/tls",
      data: { "tls.crt": Buffer.from(cert.certificate).toString("base64"), "tls.key": Buffer.from(cert.key).toString("base64") },
    });
  }

  configMap(name: string, data: Record<string, string>, ns = NS): void {
    this.configMaps.push({ metadata: { name, namespace: ns }, data });
  }

  /** Adds an Ingress of class portico; creationTimestamp increases with each call (older wins conflicts). */
  ingress(name: string, spec: Ingress["spec"], annotations: Record<string, string> = {}, ns = NS): Ingress {
    const ing = {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: {
        name,
        namespace: ns,
        annotations,
        creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, this.seq++)).toISOString(),
      },
      spec: { ingressClassName: "portico", ...spec },
    } as Ingress;
    this.ingresses.push(ing);
    return ing;
  }

  snapshot(): Snapshot {
    return {
      controller: { namespace: "portico-system", name: "portico", ingressClassNames: ["portico"], servesDefaultClass: false },
      settings: withDefaults({ workerProcesses: 2, accessLog: false, ...this.settings }),
      ingresses: this.ingresses,
      ingressClasses: [],
      services: this.services,
      endpointSlices: this.slices,
      secrets: this.secrets,
      configMaps: this.configMaps,
    };
  }

  async stopPods(): Promise<void> {
    await Promise.all(this.pods.map((p) => p.stop()));
  }
}

/** A running agent with nginx on free loopback ports, applying builds of a World. */
export class Harness {
  private constructor(
    readonly fx: AgentFixture,
    readonly renderOptions: Partial<RenderOptions>,
  ) {}

  static async start(agentOptions: Partial<AgentOptions> = {}): Promise<Harness> {
    const fx = await startAgentFixture(agentOptions);
    const renderOptions: Partial<RenderOptions> = {
      listenAddress: "127.0.0.1",
      httpPort: fx.httpPort,
      httpsPort: fx.httpsPort,
      controlPort: fx.controlPort,
      defaultBackendPort: await freePort(),
      httpsInternalPort: await freePort(),
      passthroughInternalPort: await freePort(),
      probePort: await freePort(),
    };
    return new Harness(fx, renderOptions);
  }

  get httpPort(): number {
    return this.fx.httpPort;
  }
  get httpsPort(): number {
    return this.fx.httpsPort;
  }

  /** Builds the world with core and applies it; fails if the agent reports an error. */
  async apply(world: World): Promise<BuildResult> {
    const result = build(world.snapshot(), this.renderOptions);
    const status = await this.fx.agent.apply(result.state);
    if (status.lastError) throw new Error(`agent: ${status.lastError.part}: ${status.lastError.message}`);
    return result;
  }

  async stop(): Promise<void> {
    await this.fx.stop();
  }
}
