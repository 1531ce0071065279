// How a DesiredState travels through the Kubernetes API (pure: no I/O).
//
// Three parts, each gzip-compressed JSON (or text, for the config) split into shards of at most
// 700 KiB of binary data, so no object nears the 1 MiB limit:
//   ConfigMap <controller>-state                      the index: hashes, shard counts, digests
//   ConfigMap <controller>-state-config-<i>           nginx.conf            (binaryData.chunk)
//   ConfigMap <controller>-state-endpoints-<i>        endpoints JSON        (binaryData.chunk)
//   Secret    <controller>-state-certs-<i>            certificates JSON     (data.chunk)
// Names are fixed (i = 0..15) so the data-plane Role can grant get/list/watch by resourceName.
// Writers write the shards first and the index last; readers watch only the index and read the
// shards of a part when its hash changed, checking the digest so a half-written part is never used.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import type { CertificatePair, DesiredState, UpstreamBalancing, UpstreamEndpoint } from "./contract.js";
import { ownerLabels, ownerReference, type OwnerReference } from "./ownership.js";

export const STATE_MAX_SHARDS = 16;
export const STATE_SHARD_BYTES = 700 * 1024;
/** 2: the endpoints part is {endpoints, balancing} (1 was the endpoints map alone). */
export const STATE_FORMAT_VERSION = 2;
/** Key of the index JSON in the index ConfigMap's data. */
export const STATE_INDEX_KEY = "index.json";
/** Key of the chunk in every shard (binaryData for ConfigMaps, data for the Secret). */
export const STATE_CHUNK_KEY = "chunk";
/** Annotation on each shard: sha256 of the whole compressed part it belongs to. */
export const STATE_PART_DIGEST_ANNOTATION = "portico.dev/part-digest";

export type StatePart = "config" | "endpoints" | "certificates";
export const STATE_PARTS: StatePart[] = ["config", "endpoints", "certificates"];

export interface StateObjectNames {
  index: string;
  config: string[];
  endpoints: string[];
  certificates: string[];
}

/** The fixed names of a controller's desired-state objects (16 shard names per part). */
export function stateObjectNames(controllerName: string): StateObjectNames {
  const base = `${controllerName}-state`;
  const shards = (p: string) => Array.from({ length: STATE_MAX_SHARDS }, (_, i) => `${base}-${p}-${i}`);
  return { index: base, config: shards("config"), endpoints: shards("endpoints"), certificates: shards("certs") };
}

export interface StateObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface StateConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: StateObjectMeta;
  data?: Record<string, string>;
  binaryData?: Record<string, string>; // base64
}

export interface StateSecret {
  apiVersion: "v1";
  kind: "Secret";
  type: "Opaque";
  metadata: StateObjectMeta;
  data: Record<string, string>; // base64
}

/** What the index ConfigMap carries (JSON under data["index.json"]). */
export interface StateIndex {
  version: typeof STATE_FORMAT_VERSION;
  hashes: DesiredState["hashes"];
  parts: Record<StatePart, { shards: number; bytes: number; digest: string }>;
}

export interface EncodedDesiredState {
  index: StateConfigMap;
  configShards: StateConfigMap[];
  endpointShards: StateConfigMap[];
  certificateShards: StateSecret[];
}

export interface StateOwner {
  namespace: string;
  name: string;
  uid?: string;
  generationLabel?: string;
}

export class StateObjectError extends Error {}

const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

/** app.kubernetes.io/component of the desired-state objects (the operator's prune skips them). */
export const STATE_COMPONENT = "desired-state";

function meta(owner: StateOwner, name: string, annotations?: Record<string, string>): StateObjectMeta {
  const m: StateObjectMeta = { name, namespace: owner.namespace, labels: ownerLabels(owner, STATE_COMPONENT, owner.generationLabel) };
  if (annotations) m.annotations = annotations;
  if (owner.uid) m.ownerReferences = [ownerReference({ name: owner.name, uid: owner.uid })];
  return m;
}

/** The uncompressed bytes of each part. Exported for tests and size estimates. */
export function partPayload(state: DesiredState, part: StatePart): Buffer {
  switch (part) {
    case "config":
      return Buffer.from(state.config, "utf8");
    case "endpoints":
      return Buffer.from(JSON.stringify({ endpoints: state.endpoints, balancing: state.balancing ?? {} }), "utf8");
    case "certificates":
      return Buffer.from(
        JSON.stringify({ sniCertificates: state.sniCertificates, certificates: state.certificates, ...(state.files ? { files: state.files } : {}) }),
        "utf8",
      );
  }
}

function split(buf: Buffer, part: StatePart): Buffer[] {
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length || chunks.length === 0; off += STATE_SHARD_BYTES) {
    chunks.push(buf.subarray(off, off + STATE_SHARD_BYTES));
  }
  if (chunks.length > STATE_MAX_SHARDS) {
    throw new StateObjectError(
      `desired state part "${part}" is ${buf.length} bytes compressed: it needs ${chunks.length} shards of ` +
        `${STATE_SHARD_BYTES} bytes, more than the ${STATE_MAX_SHARDS} allowed`,
    );
  }
  return chunks;
}

/**
 * Encodes a DesiredState into the objects that carry it. Deterministic: the same state and owner
 * give byte-identical objects (gzip at a fixed level, no timestamps).
 */
export function encodeDesiredState(state: DesiredState, owner: StateOwner): EncodedDesiredState {
  const names = stateObjectNames(owner.name);
  const parts = {} as StateIndex["parts"];
  const chunksOf = {} as Record<StatePart, Buffer[]>;
  for (const part of STATE_PARTS) {
    // mtime is 0 in node's gzip header, so output depends on the input only.
    const gz = gzipSync(partPayload(state, part), { level: 6 });
    const chunks = split(gz, part);
    chunksOf[part] = chunks;
    parts[part] = { shards: chunks.length, bytes: gz.length, digest: sha256(gz) };
  }
  const shardMeta = (part: StatePart, name: string) => meta(owner, name, { [STATE_PART_DIGEST_ANNOTATION]: parts[part].digest });
  const configMapShard =
    (part: "config" | "endpoints") =>
    (chunk: Buffer, i: number): StateConfigMap => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: shardMeta(part, names[part][i]),
      binaryData: { [STATE_CHUNK_KEY]: chunk.toString("base64") },
    });
  const index: StateIndex = { version: STATE_FORMAT_VERSION, hashes: { ...state.hashes }, parts };
  return {
    index: { apiVersion: "v1", kind: "ConfigMap", metadata: meta(owner, names.index), data: { [STATE_INDEX_KEY]: JSON.stringify(index) } },
    configShards: chunksOf.config.map(configMapShard("config")),
    endpointShards: chunksOf.endpoints.map(configMapShard("endpoints")),
    certificateShards: chunksOf.certificates.map((chunk, i) => ({
      apiVersion: "v1",
      kind: "Secret",
      type: "Opaque",
      metadata: shardMeta("certificates", names.certificates[i]),
      data: { [STATE_CHUNK_KEY]: chunk.toString("base64") },
    })),
  };
}

/** Shard object as read back from the API (ConfigMap or Secret, loosely typed). */
export interface ShardObject {
  metadata?: { name?: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

const isHex64 = (v: unknown) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v);

/** Parses and validates the index ConfigMap. Errors name the field. */
export function parseStateIndex(index: { metadata?: { name?: string }; data?: Record<string, string> }): StateIndex {
  const where = `index ConfigMap ${index.metadata?.name ?? "(unnamed)"}`;
  const raw = index.data?.[STATE_INDEX_KEY];
  if (typeof raw !== "string") throw new StateObjectError(`${where}: data["${STATE_INDEX_KEY}"] is missing`);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new StateObjectError(`${where}: data["${STATE_INDEX_KEY}"] is not JSON: ${(e as Error).message}`);
  }
  const o = v as Partial<StateIndex>;
  if (!o || typeof o !== "object") throw new StateObjectError(`${where}: index must be an object`);
  if (o.version !== STATE_FORMAT_VERSION) throw new StateObjectError(`${where}: version must be ${STATE_FORMAT_VERSION}, got ${JSON.stringify(o.version)}`);
  for (const k of ["config", "endpoints", "certificates", "all"] as const) {
    if (typeof o.hashes?.[k] !== "string" || !o.hashes[k]) throw new StateObjectError(`${where}: hashes.${k} must be a non-empty string`);
  }
  for (const part of STATE_PARTS) {
    const p = o.parts?.[part];
    if (!p) throw new StateObjectError(`${where}: parts.${part} is missing`);
    if (!Number.isInteger(p.shards) || p.shards < 1 || p.shards > STATE_MAX_SHARDS) {
      throw new StateObjectError(`${where}: parts.${part}.shards must be an integer 1..${STATE_MAX_SHARDS}, got ${JSON.stringify(p.shards)}`);
    }
    if (!isHex64(p.digest)) throw new StateObjectError(`${where}: parts.${part}.digest must be a sha256 hex digest`);
  }
  return o as StateIndex;
}

/** Names of the shard objects a part of this index needs. */
export function partShardNames(controllerName: string, index: StateIndex, part: StatePart): string[] {
  return stateObjectNames(controllerName)[part].slice(0, index.parts[part].shards);
}

/** What the endpoints part carries. */
export interface EndpointsPart {
  endpoints: Record<string, UpstreamEndpoint[]>;
  balancing: Record<string, UpstreamBalancing>;
}

function validateEndpointsPart(v: unknown): EndpointsPart {
  const o = v as Partial<EndpointsPart>;
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new StateObjectError("endpoints part: must be an object {endpoints, balancing}");
  return { endpoints: validateEndpoints(o.endpoints), balancing: validateBalancing(o.balancing ?? {}) };
}

/** Shape check of balancing policies (upstream -> policy object), also for the agent's file source. */
export function validateBalancing(v: unknown): Record<string, UpstreamBalancing> {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new StateObjectError("endpoints part: balancing must be an object of upstream -> policy");
  for (const [name, b] of Object.entries(v)) {
    if (!b || typeof b !== "object" || Array.isArray(b)) throw new StateObjectError(`balancing.${name}: must be an object`);
  }
  return v as Record<string, UpstreamBalancing>;
}

/** Shape check of endpoints (upstream -> [{address, port}]), also for the agent's file source. */
export function validateEndpoints(v: unknown): Record<string, UpstreamEndpoint[]> {
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new StateObjectError("endpoints: must be an object of upstream -> endpoints");
  for (const [name, list] of Object.entries(v)) {
    if (!Array.isArray(list)) throw new StateObjectError(`endpoints.${name}: must be an array`);
    list.forEach((e: unknown, i) => {
      const ep = e as UpstreamEndpoint;
      if (!ep || typeof ep.address !== "string" || !/^[0-9a-fA-F:.]+$/.test(ep.address)) {
        throw new StateObjectError(`endpoints.${name}[${i}].address: must be an IP literal`);
      }
      if (!Number.isInteger(ep.port) || ep.port < 1 || ep.port > 65535) throw new StateObjectError(`endpoints.${name}[${i}].port: must be 1-65535`);
    });
  }
  return v as Record<string, UpstreamEndpoint[]>;
}

export type CertificatesPart = { sniCertificates: Record<string, string>; certificates: Record<string, CertificatePair>; files?: Record<string, string> };

/** Shape check of the certificates part (SNI names, PEM pairs, files), also for the agent's file source. */
export function validateCertificates(v: unknown): CertificatesPart {
  const o = v as { sniCertificates?: unknown; certificates?: unknown; files?: unknown };
  if (!o || typeof o !== "object") throw new StateObjectError("certificates: must be an object");
  const sni = o.sniCertificates as Record<string, unknown>;
  const certs = o.certificates as Record<string, unknown>;
  if (!sni || typeof sni !== "object" || Array.isArray(sni)) throw new StateObjectError("certificates.sniCertificates: must be an object");
  if (!certs || typeof certs !== "object" || Array.isArray(certs)) throw new StateObjectError("certificates.certificates: must be an object");
  for (const [host, id] of Object.entries(sni)) {
    if (typeof id !== "string") throw new StateObjectError(`certificates.sniCertificates["${host}"]: must be a certificate id`);
    if (!(id in certs)) throw new StateObjectError(`certificates.sniCertificates["${host}"]: unknown certificate id "${id}"`);
  }
  for (const [id, pair] of Object.entries(certs)) {
    const p = pair as CertificatePair;
    if (!p || typeof p.certificate !== "string" || typeof p.key !== "string") {
      throw new StateObjectError(`certificates.certificates["${id}"]: needs string fields certificate and key`);
    }
  }
  if (o.files !== undefined) {
    if (!o.files || typeof o.files !== "object" || Array.isArray(o.files)) throw new StateObjectError("certificates.files: must be an object");
    for (const [name, content] of Object.entries(o.files)) {
      if (!/^[a-z0-9][a-z0-9.-]{0,200}$/.test(name)) throw new StateObjectError(`certificates.files: ${JSON.stringify(name)} is not a file name`);
      if (typeof content !== "string") throw new StateObjectError(`certificates.files["${name}"]: must be a string`);
    }
  }
  return o as CertificatesPart;
}

/** Reassembles and checks one part from its shards (by name). */
export function decodeStatePart(controllerName: string, index: StateIndex, part: StatePart, shardsByName: Record<string, ShardObject | undefined>): unknown {
  const names = partShardNames(controllerName, index, part);
  const chunks = names.map((name) => {
    const shard = shardsByName[name];
    if (!shard) throw new StateObjectError(`${part}: shard ${name} is missing`);
    const digest = shard.metadata?.annotations?.[STATE_PART_DIGEST_ANNOTATION];
    if (digest !== index.parts[part].digest) {
      throw new StateObjectError(`${part}: shard ${name} belongs to another version (digest ${digest ?? "none"}, index wants ${index.parts[part].digest})`);
    }
    const b64 = shard.binaryData?.[STATE_CHUNK_KEY] ?? shard.data?.[STATE_CHUNK_KEY];
    if (typeof b64 !== "string") throw new StateObjectError(`${part}: shard ${name} has no "${STATE_CHUNK_KEY}" entry`);
    return Buffer.from(b64, "base64");
  });
  const gz = Buffer.concat(chunks);
  if (sha256(gz) !== index.parts[part].digest) throw new StateObjectError(`${part}: reassembled shards do not match the index digest`);
  let text: string;
  try {
    text = gunzipSync(gz).toString("utf8");
  } catch (e) {
    throw new StateObjectError(`${part}: not valid gzip: ${(e as Error).message}`);
  }
  if (part === "config") return text;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new StateObjectError(`${part}: not valid JSON: ${(e as Error).message}`);
  }
  return part === "endpoints" ? validateEndpointsPart(v) : validateCertificates(v);
}

/** Decodes a whole DesiredState from the index and its shards (keyed by object name). */
export function decodeDesiredState(
  index: { metadata?: { name?: string }; data?: Record<string, string> },
  shardsByName: Record<string, ShardObject | undefined>,
): DesiredState {
  const name = index.metadata?.name;
  if (!name?.endsWith("-state")) throw new StateObjectError(`index ConfigMap name must be "<controller>-state", got ${JSON.stringify(name)}`);
  const controller = name.slice(0, -"-state".length);
  const idx = parseStateIndex(index);
  const config = decodeStatePart(controller, idx, "config", shardsByName) as string;
  const { endpoints, balancing } = decodeStatePart(controller, idx, "endpoints", shardsByName) as EndpointsPart;
  const certs = decodeStatePart(controller, idx, "certificates", shardsByName) as ReturnType<typeof validateCertificates>;
  const state: DesiredState = { config, endpoints, sniCertificates: certs.sniCertificates, certificates: certs.certificates, hashes: { ...idx.hashes } };
  if (Object.keys(balancing).length) state.balancing = balancing; // present only when not empty, as core builds it
  if (certs.files) state.files = certs.files;
  return state;
}

/** Shards the previous index used that the next one no longer needs: deleted after the new index is
 * written, so a state that shrank leaves no orphaned objects behind. */
export function staleShardNames(controllerName: string, previous: StateIndex | undefined, next: StateIndex): { configMaps: string[]; secrets: string[] } {
  if (!previous) return { configMaps: [], secrets: [] };
  const stale = (part: StatePart) => partShardNames(controllerName, previous, part).slice(next.parts[part].shards);
  return { configMaps: [...stale("config"), ...stale("endpoints")], secrets: stale("certificates") };
}
