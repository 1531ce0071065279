// Size of the Lua certificate dictionary, from the certificates the state carries. The control
// server stores a push as a second generation beside the running one and flips a pointer once the
// whole set is in (src/agent/lua/portico.lua), so two sets must fit at once; sized from the state,
// one tenant's large Secrets cannot crowd out another's certificates. A size change changes
// nginx.conf, so it is a reload (the agent pushes the certificates again into the new zone).

import type { CertificatePair } from "../contract.js";

/** Never smaller than this (MiB): small states keep the same size, so certificate changes do not reload. */
export const MIN_CERTIFICATE_DICT_MIB = 64;
/** nginx's slab allocator: entries above half a page take whole 4 KiB pages; below, a power of two. */
const PAGE = 4096;
/** Per-entry bookkeeping of ngx_http_lua_shdict (node, key, rbtree, queue links), rounded up. */
const ENTRY_OVERHEAD = 128;

function slabBytes(bytes: number): number {
  if (bytes > PAGE / 2) return Math.ceil(bytes / PAGE) * PAGE;
  let n = 8;
  while (n < bytes) n *= 2;
  return n;
}

/** Bytes one generation of the certificate set occupies in the dictionary. */
export function certificateSetBytes(sni: Record<string, string>, certificates: Record<string, CertificatePair>): number {
  let total = 0;
  for (const [id, p] of Object.entries(certificates)) total += slabBytes(ENTRY_OVERHEAD + id.length + 4 + p.certificate.length + 1 + p.key.length);
  for (const [name, id] of Object.entries(sni)) total += slabBytes(ENTRY_OVERHEAD + name.length + 4 + id.length);
  return total;
}

/** `lua_shared_dict portico_certificates <size>`: room for three sets (the running one, a pushed
 * one, and the union the agent pushes ahead of a config switch), rounded up to a power of two MiB. */
export function certificateDictMiB(sni: Record<string, string>, certificates: Record<string, CertificatePair>): number {
  const need = 3 * certificateSetBytes(sni, certificates) + 2 ** 20;
  let mib = MIN_CERTIFICATE_DICT_MIB;
  while (mib * 2 ** 20 < need) mib *= 2;
  return mib;
}
