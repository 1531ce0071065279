import { parseBufferSize, parseIntIn, parseSize } from "../nginx-values.js";
import { defineAnnotation } from "./types.js";

export const proxyBufferSize = defineAnnotation({
  key: "proxy-buffer-size",
  field: "proxyBufferSize",
  type: "size",
  scope: "location",
  risk: "low",
  default: "4k",
  doc: "Size of the buffer for the backend response headers (proxy_buffer_size), also the size of each proxy buffer, e.g. 16k; 1k..1m.",
  parse: (raw, key) => parseBufferSize(raw, key, 1024 * 1024),
});

export const proxyBuffersNumber = defineAnnotation({
  key: "proxy-buffers-number",
  field: "proxyBuffersNumber",
  type: "int",
  scope: "location",
  risk: "low",
  default: "4",
  doc: "Number of proxy buffers (proxy_buffers <n> <proxy-buffer-size>), 3..1024 (nginx keeps the busy buffers below all buffers but one). nginx's own '8 32k' form gets the default with a warning naming the fix, as ingress-nginx silently used its default.",
  parse: (raw, key) => {
    const both = /^\s*([0-9]+)\s+([0-9]+[kKmM]?)\s*$/.exec(raw);
    // `proxy_buffers`'s own syntax: ingress-nginx silently used its default (4) for it, and so
    // does Portico (a buffer count guards nothing), saying so.
    if (both)
      return {
        ok: "default",
        warning: `${key}: ${JSON.stringify(raw)} is nginx's "proxy_buffers <number> <size>", not a number of buffers; the default (4) is used, as ingress-nginx did; write ${key}: "${both[1]}" and proxy-buffer-size: "${both[2]}" to get ${both[1]} buffers of ${both[2]}`,
      };
    return parseIntIn(raw, key, 3, 1024);
  },
});

export const proxyMaxTempFileSize = defineAnnotation({
  key: "proxy-max-temp-file-size",
  field: "proxyMaxTempFileSize",
  type: "size",
  scope: "location",
  risk: "low",
  default: "1024m",
  doc: "Largest temporary file a buffered response may spill to (proxy_max_temp_file_size); 0 disables spilling, else at least 1m (nginx wants it no smaller than a buffer).",
  parse: (raw, key) => {
    // nginx reads this directive as a size (k or m, no g): "1g" is written as 1024m.
    const g = /^([0-9]{1,9})[gG]$/.exec(raw.trim());
    if (g && Number(g[1]) > 999999) return { ok: false, error: `${key}: ${JSON.stringify(raw)} is larger than 999999g` };
    const r = parseSize(g ? `${Number(g[1]) * 1024}m` : raw, key);
    if (r.ok && r.value !== "0" && /^[0-9]+k?$/.test(r.value) && Number.parseInt(r.value, 10) * (r.value.endsWith("k") ? 1024 : 1) < 1024 * 1024)
      return {
        ok: false,
        error: `${key}: ${JSON.stringify(raw)} must be 0 (no temporary files) or at least 1m (nginx refuses a limit smaller than a proxy buffer)`,
      };
    return r;
  },
});

export const clientBodyBufferSize = defineAnnotation({
  key: "client-body-buffer-size",
  field: "clientBodyBufferSize",
  type: "size",
  scope: "location",
  risk: "low",
  default: "nginx's 8k|16k",
  doc: "Buffer for reading the request body before it spills to a file (client_body_buffer_size), e.g. 1m; 1k..64m.",
  parse: (raw, key) => parseBufferSize(raw, key, 64 * 1024 * 1024),
});
