// Public API of the local control plane for tests and scripts. See docs/notes/cluster.md.
export { startCluster, connectCluster, isRunning, missingBinaries, type Cluster, type KubectlOptions, type StartOptions } from "./cluster.js";
export { PodNetwork, Pod, PodProcess, type EchoPod, type EchoPodOptions, type SpawnOptions } from "./netns.js";
export { servingCertificate, createCA, issueCert, type CertFiles, type CertRequest } from "./pki.js";
export { ClusterError, isClusterError } from "./errors.js";
export { freePorts, probePort } from "./ports.js";
export { type ClusterState, type NodeRecord } from "./state.js";
export { NODE } from "./node-config.js";
export { repoRoot, binDir, bin, kubeconfigPath, clusterDir, DEFAULT_CLUSTER } from "./paths.js";
export { fakeService, type FakeServiceOptions } from "./manifests.js";
export { waitUntil } from "./wait.js";
export { kubernetesVersion, helmVersion } from "./versions.js";
export { type ComponentName } from "./state.js";
export { type RestartOptions, type RestartResult } from "./restart.js";
