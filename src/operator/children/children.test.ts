import { test } from "node:test";
import assert from "node:assert/strict";
import { CHILD_KINDS, childContext, desiredChildren, type Manifest } from "./index.js";
import { stateObjectNames } from "../../api/state-names.js";
import { parseCli } from "../../agent/options.js";
import { readFileSync } from "node:fs";

const IC = (spec: Record<string, unknown> = {}, generation = 3) => ({
  apiVersion: "portico.dev/v1alpha1",
  kind: "IngressController",
  metadata: { name: "edge", namespace: "ingress", uid: "0000-uid", generation },
  spec,
});

function children(spec: Record<string, unknown> = {}, generation = 3) {
  const d = desiredChildren(childContext(IC(spec, generation)));
  return { ...d, all: [...d.apply, ...d.createOnly] };
}
const find = (list: Manifest[], kind: string, name?: string) => list.find((m) => m.kind === kind && (!name || m.metadata.name === name));

type Any = any;

test("every child carries the design's labels and (namespaced) an ownerReference to the IC", () => {
  const { all } = children();
  assert.ok(all.length >= 10);
  for (const m of all) {
    const l = m.metadata.labels ?? {};
    assert.equal(l["app.kubernetes.io/name"], "portico", `${m.kind}/${m.metadata.name}`);
    assert.equal(l["app.kubernetes.io/instance"], "edge");
    assert.ok(l["app.kubernetes.io/component"]);
    assert.equal(l["app.kubernetes.io/managed-by"], "portico");
    assert.equal(l["portico.dev/generation"], "3");
    if (m.kind === "IngressClass") {
      assert.equal(m.metadata.ownerReferences, undefined);
      assert.equal(m.metadata.namespace, undefined);
      assert.equal(l["portico.dev/owner-namespace"], "ingress");
    } else {
      assert.equal(m.metadata.namespace, "ingress");
      assert.deepEqual(m.metadata.ownerReferences, [
        { apiVersion: "portico.dev/v1alpha1", kind: "IngressController", name: "edge", uid: "0000-uid", controller: true, blockOwnerDeletion: true },
      ]);
    }
    assert.ok(
      CHILD_KINDS.some((k) => k.kind === m.kind && k.apiVersion === m.apiVersion),
      `${m.kind} is a prunable/watched kind`,
    );
  }
});

test("the generation label follows metadata.generation", () => {
  for (const m of children({}, 7).apply) assert.equal(m.metadata.labels?.["portico.dev/generation"], "7");
});

test("the data-plane Role reads only its own state objects, by name", () => {
  const role = find(children().apply, "Role") as Any;
  const state = stateObjectNames("edge");
  assert.deepEqual(role.rules, [
    { apiGroups: [""], resources: ["configmaps"], resourceNames: state.configMaps, verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["secrets"], resourceNames: state.secrets, verbs: ["get", "list", "watch"] },
    { apiGroups: ["portico.dev"], resources: ["ingresscontrollers/status"], resourceNames: ["edge"], verbs: ["get", "patch"] },
  ]);
  for (const r of role.rules) assert.ok(r.resourceNames.length > 0 && !r.verbs.includes("*") && !r.resources.includes("*"));
  const rb = find(children().apply, "RoleBinding") as Any;
  assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name });
  assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: "edge-nginx", namespace: "ingress" }]);
  assert.equal((find(children().apply, "ServiceAccount") as Any).automountServiceAccountToken, false);
});

test("the nginx container has no API token; the agent has a projected one", () => {
  const dep = find(children().apply, "Deployment", "edge-nginx") as Any;
  const pod = dep.spec.template.spec;
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(pod.serviceAccountName, "edge-nginx");
  const nginx = pod.containers.find((c: Any) => c.name === "nginx");
  const agent = pod.containers.find((c: Any) => c.name === "agent");
  assert.ok(!nginx.volumeMounts.some((v: Any) => v.name === "agent-token"));
  assert.ok(agent.volumeMounts.some((v: Any) => v.name === "agent-token" && v.mountPath === "/var/run/secrets/kubernetes.io/serviceaccount" && v.readOnly));
  const tokenVol = pod.volumes.find((v: Any) => v.name === "agent-token");
  assert.ok(tokenVol.projected.sources.some((s: Any) => s.serviceAccountToken));
  assert.deepEqual(agent.args, ["--source", "api:ingress/edge"]);
  // The shared directory: both containers mount it.
  assert.ok(nginx.volumeMounts.some((v: Any) => v.name === "run") && agent.volumeMounts.some((v: Any) => v.name === "run"));
  assert.ok(pod.volumes.find((v: Any) => v.name === "run").emptyDir);
  assert.notEqual(pod.shareProcessNamespace, true, "a shared PID namespace would expose the agent's token to nginx");
});

test("nginx (uid 101) and the agent (uid 102) run as different users; nginx mounts the configs read-only", () => {
  const pod = (find(children().apply, "Deployment", "edge-nginx") as Any).spec.template.spec;
  const nginx = pod.containers.find((c: Any) => c.name === "nginx");
  const agent = pod.containers.find((c: Any) => c.name === "agent");
  assert.deepEqual([nginx.securityContext.runAsUser, nginx.securityContext.runAsGroup], [101, 101]);
  assert.deepEqual([agent.securityContext.runAsUser, agent.securityContext.runAsGroup], [102, 101]);
  assert.equal(pod.securityContext.fsGroup, 101);
  const conf = (c: Any) => c.volumeMounts.find((v: Any) => v.name === "conf");
  assert.equal(conf(nginx).readOnly, true, "nginx cannot write the configs");
  assert.ok(!conf(agent).readOnly, "the agent writes them");
  assert.equal(conf(nginx).mountPath, conf(agent).mountPath);
  const envOf = (c: Any) => Object.fromEntries(c.env.filter((e: Any) => e.value).map((e: Any) => [e.name, e.value]));
  assert.equal(envOf(nginx).PORTICO_CONF_DIR, conf(nginx).mountPath);
  assert.equal(envOf(agent).PORTICO_CONF_DIR, conf(agent).mountPath);
  assert.ok(pod.volumes.find((v: Any) => v.name === "conf").emptyDir);
});

test("nginx's temp files and pid go to its own bounded /tmp volume, not the shared run volume", () => {
  const pod = (find(children().apply, "Deployment", "edge-nginx") as Any).spec.template.spec;
  const nginx = pod.containers.find((c: Any) => c.name === "nginx");
  const agent = pod.containers.find((c: Any) => c.name === "agent");
  const tmp = nginx.volumeMounts.find((v: Any) => v.mountPath === "/tmp");
  assert.equal(tmp.name, "nginx-tmp");
  assert.ok(pod.volumes.find((v: Any) => v.name === "nginx-tmp").emptyDir.sizeLimit, "bounded");
  assert.ok(!agent.volumeMounts.some((v: Any) => v.name === "nginx-tmp"), "the agent's temp dir is its own");
  // The agent links <prefix>/tmp (where nginx.conf puts temp files and the pid) to that /tmp.
  const env = Object.fromEntries(agent.env.filter((e: Any) => e.value).map((e: Any) => [e.name, e.value]));
  assert.equal(env.PORTICO_NGINX_TEMP_DIR, "/tmp");
});

test("security context: non-root, read-only root, no capabilities but NET_BIND_SERVICE, RuntimeDefault", () => {
  const { apply } = children();
  for (const dep of apply.filter((m) => m.kind === "Deployment") as Any[]) {
    const pod = dep.spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
    for (const c of pod.containers) {
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
      assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], c.name);
      assert.deepEqual(c.securityContext.capabilities.add ?? [], c.name === "nginx" ? ["NET_BIND_SERVICE"] : [], c.name);
    }
  }
});

test("probes, graceful shutdown and anti-affinity of the nginx pods", () => {
  const pod = (find(children().apply, "Deployment", "edge-nginx") as Any).spec.template.spec;
  const nginx = pod.containers.find((c: Any) => c.name === "nginx");
  assert.deepEqual(nginx.readinessProbe.httpGet, { path: "/healthz", port: "probe" });
  assert.ok(nginx.ports.some((p: Any) => p.name === "http"));
  assert.ok(nginx.livenessProbe.httpGet);
  const agent = pod.containers.find((c: Any) => c.name === "agent");
  assert.equal(agent.livenessProbe.httpGet.port, "metrics");
  // Liveness is the agent's own (/livez): an nginx container in trouble must not restart the agent.
  assert.equal(agent.livenessProbe.httpGet.path, "/livez");
  assert.deepEqual(agent.readinessProbe.httpGet, { path: "/healthz", port: "metrics" });
  assert.ok(agent.ports.some((p: Any) => p.name === "metrics" && p.containerPort === 10254));
  // Both containers agree on the shared prefix and the reload FIFO.
  const envOf = (c: Any) => Object.fromEntries(c.env.filter((e: Any) => e.value).map((e: Any) => [e.name, e.value]));
  for (const k of ["PORTICO_PREFIX", "PORTICO_CONF_DIR", "PORTICO_RELOAD_FIFO"]) assert.equal(envOf(nginx)[k], envOf(agent)[k], k);
  assert.ok(envOf(nginx).PORTICO_PREFIX.startsWith("/var/run/portico/"));
  assert.ok(nginx.lifecycle.preStop.exec.command.length > 0);
  assert.ok(pod.terminationGracePeriodSeconds >= 30);
  const term = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
  assert.equal(term.topologyKey, "kubernetes.io/hostname");
  assert.deepEqual(term.labelSelector.matchLabels, {
    "app.kubernetes.io/name": "portico",
    "app.kubernetes.io/instance": "edge",
    "app.kubernetes.io/component": "nginx",
  });
});

test("the two containers run what the image provides, and the agent's flags select external mode", () => {
  const dockerfile = readFileSync(new URL("../../../images/nginx/Dockerfile", import.meta.url), "utf8");
  const podOf = (spec: Record<string, unknown> = {}) => (find(children(spec).apply, "Deployment", "edge-nginx") as Any).spec.template.spec;
  const envOf = (c: Any) => Object.fromEntries(c.env.filter((e: Any) => e.value).map((e: Any) => [e.name, e.value]));
  const pod = podOf();
  const nginx = pod.containers.find((c: Any) => c.name === "nginx");
  const agent = pod.containers.find((c: Any) => c.name === "agent");
  // Paths the Dockerfile installs.
  assert.deepEqual(nginx.command, ["/usr/local/bin/portico-nginx-run"]);
  assert.match(dockerfile, /COPY portico-nginx-run \/usr\/local\/bin\/portico-nginx-run/);
  assert.equal(agent.command[0], "node");
  assert.match(dockerfile, new RegExp(`COPY agent\\.mjs ${agent.command[1].replace(/\./g, "\\.")}\\n`));
  // The agent's own CLI parser reads the container's args and env as the pod gives them.
  const opts = parseCli(agent.args, envOf(agent));
  assert.equal(opts.nginxMode, "external");
  assert.equal(opts.reloadFifo, envOf(nginx).PORTICO_RELOAD_FIFO);
  assert.equal(opts.prefix, envOf(nginx).PORTICO_PREFIX);
  assert.equal(opts.controlPort, 10246);
  assert.equal(opts.metricsPort, 10254);
  assert.deepEqual(opts.source, { kind: "api", namespace: "ingress", name: "edge" });
  // nginx's container needs neither the mode nor an API token; it gets no control-port override.
  assert.equal(envOf(nginx).PORTICO_NGINX_MODE, undefined);
  // spec.listen.controlPort is rendered into nginx.conf by the controller: the agent must follow it.
  const custom = podOf({ listen: { controlPort: 10999 } }).containers.find((c: Any) => c.name === "agent");
  assert.equal(parseCli(custom.args, envOf(custom)).controlPort, 10999);
});

test("pod template and selector carry no generation label (spec changes do not restart pods by themselves)", () => {
  const dep = find(children().apply, "Deployment", "edge-nginx") as Any;
  assert.equal(dep.spec.template.metadata.labels["portico.dev/generation"], undefined);
  assert.equal(dep.spec.selector.matchLabels["portico.dev/generation"], undefined);
  for (const [k, v] of Object.entries(dep.spec.selector.matchLabels)) assert.equal(dep.spec.template.metadata.labels[k], v);
});

test("spec fields reach the right child", () => {
  const spec = {
    replicas: 5,
    images: { nginx: { image: "reg/nginx:1", pullPolicy: "Always" }, defaultBackend: { image: "reg/db:2" } },
    service: { type: "NodePort", ports: { http: 8000, https: 8443, httpNodePort: 30080 }, annotations: { "a/b": "c" } },
    nodeSelector: { zone: "a" },
    tolerations: [{ key: "k", operator: "Exists" }],
    resources: { limits: { cpu: "2" } },
    affinity: { nodeAffinity: { x: 1 } },
    settings: { proxyBodySize: "8m" },
    tcpServicesConfigMap: "my-tcp",
    defaultBackend: { replicas: 2 },
  };
  const { apply, createOnly } = children(spec);
  const dep = find(apply, "Deployment", "edge-nginx") as Any;
  assert.equal(dep.spec.replicas, 5);
  const pod = dep.spec.template.spec;
  assert.equal(pod.containers[0].image, "reg/nginx:1");
  assert.equal(pod.containers[0].imagePullPolicy, "Always");
  assert.equal(pod.containers[1].image, "reg/nginx:1");
  assert.deepEqual(pod.containers[0].resources, { limits: { cpu: "2" } });
  assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux", zone: "a" });
  assert.deepEqual(pod.tolerations, [{ key: "k", operator: "Exists" }]);
  assert.deepEqual(pod.affinity, { nodeAffinity: { x: 1 } });
  const svc = find(apply, "Service", "edge-nginx") as Any;
  assert.equal(svc.spec.type, "NodePort");
  assert.deepEqual(svc.metadata.annotations, { "a/b": "c" });
  assert.deepEqual(
    svc.spec.ports.map((p: Any) => [p.name, p.port, p.targetPort, p.nodePort]),
    [
      ["http", 8000, "http", 30080],
      ["https", 8443, "https", undefined],
    ],
  );
  assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
  const settings = find(apply, "ConfigMap", "edge-settings") as Any;
  assert.equal(JSON.parse(settings.data["settings.json"]).proxyBodySize, "8m");
  assert.equal(JSON.parse(settings.data["settings.json"]).proxyReadTimeoutSeconds, 60, "defaults filled in");
  assert.deepEqual(
    createOnly.map((m) => m.metadata.name),
    ["my-tcp", "edge-udp-services"],
  );
  const db = find(apply, "Deployment", "edge-default-backend") as Any;
  assert.equal(db.spec.replicas, 2);
  assert.equal(db.spec.template.spec.containers[0].image, "reg/db:2");
  assert.equal(find(apply, "PodDisruptionBudget")?.metadata.name, "edge-nginx");
});

test("ClusterIP services carry no node ports; LoadBalancer gets its class", () => {
  const cip = find(
    children({ service: { type: "ClusterIP", ports: { httpNodePort: 30080 }, externalTrafficPolicy: "Local" } }).apply,
    "Service",
    "edge-nginx",
  ) as Any;
  assert.ok(cip.spec.ports.every((p: Any) => p.nodePort === undefined));
  assert.equal(cip.spec.externalTrafficPolicy, undefined);
  const lb = find(children({ service: { loadBalancerClass: "example.com/lb", externalTrafficPolicy: "Local" } }).apply, "Service", "edge-nginx") as Any;
  assert.equal(lb.spec.type, "LoadBalancer");
  assert.equal(lb.spec.loadBalancerClass, "example.com/lb");
  assert.equal(lb.spec.externalTrafficPolicy, "Local");
});

test("a PodDisruptionBudget only when replicas > 1", () => {
  assert.equal(find(children({ replicas: 1 }).apply, "PodDisruptionBudget"), undefined);
  assert.equal(find(children({ replicas: 0 }).apply, "PodDisruptionBudget"), undefined);
  const pdb = find(children({ replicas: 2 }).apply, "PodDisruptionBudget") as Any;
  assert.equal(pdb.spec.maxUnavailable, 1);
});

test("default backend off -> no default-backend Deployment or Service", () => {
  const { apply } = children({ defaultBackend: { enabled: false } });
  assert.equal(apply.filter((m) => m.metadata.name === "edge-default-backend").length, 0);
  assert.equal(children().apply.filter((m) => m.metadata.name === "edge-default-backend").length, 2);
});

test("the IngressClass points back at the IngressController; default annotation only when asked", () => {
  const cls = find(children().apply, "IngressClass") as Any;
  assert.equal(cls.metadata.name, "portico");
  assert.deepEqual(cls.spec, {
    controller: "portico.dev/ingress-controller",
    parameters: { apiGroup: "portico.dev", kind: "IngressController", scope: "Namespace", namespace: "ingress", name: "edge" },
  });
  assert.equal(cls.metadata.annotations, undefined);
  const def = find(children({ ingressClass: { name: "public", isDefault: true } }).apply, "IngressClass") as Any;
  assert.equal(def.metadata.name, "public");
  assert.deepEqual(def.metadata.annotations, { "ingressclass.kubernetes.io/is-default-class": "true" });
  assert.equal(find(children({ ingressClass: { create: false } }).apply, "IngressClass"), undefined);
  // spec.crossNamespaceCASecrets: false travels to admission on the IngressClass.
  const strict = find(children({ crossNamespaceCASecrets: false }).apply, "IngressClass") as Any;
  assert.deepEqual(strict.metadata.annotations, { "portico.dev/cross-namespace-ca-secrets": "false" });
});

test("create-only ConfigMaps are marked so prune leaves them alone", () => {
  for (const m of children().createOnly) {
    assert.equal(m.kind, "ConfigMap");
    assert.equal(m.metadata.labels?.["portico.dev/create-only"], "true");
    assert.deepEqual(m.data, {});
  }
});

test("generators are deterministic", () => {
  assert.equal(JSON.stringify(children({ replicas: 3 })), JSON.stringify(children({ replicas: 3 })));
});
