// Global data-plane settings: one typed, validated map (the IngressController's spec.settings and
// the settings ConfigMap). This schema is the single source: the CRD embeds it, ajv validates with
// it, the docs table is generated from its descriptions, and core reads only the typed result.

export const LOG_FORMAT_FIELDS = ["json", "combined"] as const;
export const TLS_PROTOCOLS = ["TLSv1.2", "TLSv1.3"] as const;

export interface Settings {
  /** Maximum client request body size in bytes (client_max_body_size). 0 disables the check. */
  proxyBodySize: string;
  /** Largest temporary file one buffered response may spill to (nginx's temp files live on the
   * pod's bounded /tmp volume); also the cap of the proxy-max-temp-file-size annotation. */
  proxyMaxTempFileSize: string;
  proxyConnectTimeoutSeconds: number;
  proxyReadTimeoutSeconds: number;
  proxySendTimeoutSeconds: number;
  clientHeaderTimeoutSeconds: number;
  clientBodyTimeoutSeconds: number;
  keepaliveTimeoutSeconds: number;
  keepaliveRequests: number;
  upstreamKeepaliveConnections: number;
  upstreamKeepaliveTimeoutSeconds: number;
  workerProcesses: number | "auto";
  workerConnections: number;
  sslRedirect: boolean;
  hsts: boolean;
  hstsMaxAgeSeconds: number;
  hstsIncludeSubdomains: boolean;
  hstsPreload: boolean;
  sslProtocols: (typeof TLS_PROTOCOLS)[number][];
  /** Trust X-Forwarded-* from clients (only behind a trusted L7 proxy). */
  useForwardedHeaders: boolean;
  /** CIDRs whose X-Forwarded-For is trusted for the real client address (set_real_ip_from). */
  proxyRealIpCidrs: string[];
  logFormat: (typeof LOG_FORMAT_FIELDS)[number];
  accessLog: boolean;
  /** Access log lines are written in blocks of this many KiB per worker (0 = every line at once). */
  accessLogBufferKiB: number;
  /** Longest time a buffered access log line waits before it is written. */
  accessLogFlushSeconds: number;
  /** How long an old worker generation keeps serving open connections (WebSocket, gRPC, long
   * responses) after a reload before nginx closes them; bounds the old generations alive at once. */
  workerShutdownTimeoutSeconds: number;
  serverTokens: boolean;
  /** Status code returned when a matched backend has no ready endpoint. */
  noEndpointStatus: number;
  /** DNS servers (IP addresses) nginx resolves auth-url host names with at request time. */
  resolvers: string[];
  /** External authentication for every path whose Ingress has no auth-url and does not set enable-global-auth: "false". */
  globalAuthUrl?: string;
  globalAuthMethod?: string;
  globalAuthSignin?: string;
  globalAuthResponseHeaders: string[];
}

export const DEFAULT_SETTINGS: Settings = {
  proxyBodySize: "1m",
  proxyMaxTempFileSize: "128m",
  proxyConnectTimeoutSeconds: 5,
  proxyReadTimeoutSeconds: 60,
  proxySendTimeoutSeconds: 60,
  clientHeaderTimeoutSeconds: 60,
  clientBodyTimeoutSeconds: 60,
  keepaliveTimeoutSeconds: 75,
  keepaliveRequests: 1000,
  upstreamKeepaliveConnections: 320,
  upstreamKeepaliveTimeoutSeconds: 60,
  workerProcesses: "auto",
  workerConnections: 16384,
  sslRedirect: true,
  hsts: true,
  hstsMaxAgeSeconds: 31536000,
  hstsIncludeSubdomains: true,
  hstsPreload: false,
  sslProtocols: ["TLSv1.2", "TLSv1.3"],
  useForwardedHeaders: false,
  proxyRealIpCidrs: [],
  logFormat: "json",
  accessLog: true,
  accessLogBufferKiB: 64,
  accessLogFlushSeconds: 1,
  workerShutdownTimeoutSeconds: 240,
  serverTokens: false,
  noEndpointStatus: 503,
  resolvers: [],
  globalAuthResponseHeaders: [],
};

const seconds = (description: string, max = 3600) => ({ type: "integer", minimum: 1, maximum: max, description });

/** JSON Schema (draft-07 subset that is also a valid Kubernetes structural schema). */
export const settingsSchema = {
  type: "object",
  additionalProperties: false,
  description: "Global data-plane settings. Every field is optional; defaults are documented per field.",
  properties: {
    proxyBodySize: {
      type: "string",
      pattern: "^[0-9]{1,9}[kKmMgG]?$",
      description: "Maximum request body size (nginx size syntax: 1m, 512k, 0 = unlimited). Default 1m.",
    },
    proxyMaxTempFileSize: {
      type: "string",
      pattern: "^[0-9]{1,9}[kKmMgG]?$",
      description:
        "Largest temporary file one buffered backend response may spill to (proxy_max_temp_file_size; 0 = none: responses larger than the buffers are passed on synchronously). Temp files live on the NGINX pod's bounded /tmp volume (1Gi); the proxy-max-temp-file-size annotation cannot exceed it. Default 128m.",
    },
    proxyConnectTimeoutSeconds: seconds("Timeout to connect to a backend. Default 5.", 600),
    proxyReadTimeoutSeconds: seconds("Timeout between two reads from a backend. Default 60."),
    proxySendTimeoutSeconds: seconds("Timeout between two writes to a backend. Default 60."),
    clientHeaderTimeoutSeconds: seconds("Timeout to read the client request header. Default 60.", 600),
    clientBodyTimeoutSeconds: seconds("Timeout between two reads of the client body. Default 60.", 600),
    keepaliveTimeoutSeconds: { type: "integer", minimum: 0, maximum: 3600, description: "Client keep-alive timeout (0 disables). Default 75." },
    keepaliveRequests: { type: "integer", minimum: 1, maximum: 1000000, description: "Requests per client keep-alive connection. Default 1000." },
    upstreamKeepaliveConnections: {
      type: "integer",
      minimum: 0,
      maximum: 100000,
      description: "Idle keep-alive connections to backends per worker (0 disables). Default 320.",
    },
    upstreamKeepaliveTimeoutSeconds: seconds("Idle timeout of backend keep-alive connections. Default 60."),
    workerProcesses: {
      "x-kubernetes-int-or-string": true,
      anyOf: [
        { type: "integer", minimum: 1, maximum: 256 },
        { type: "string", enum: ["auto"] },
      ],
      description: "nginx worker processes: a number or auto. Default auto.",
    },
    workerConnections: { type: "integer", minimum: 64, maximum: 1048576, description: "Connections per worker. Default 16384." },
    sslRedirect: { type: "boolean", description: "Redirect HTTP to HTTPS (308) on hosts with TLS. Default true." },
    hsts: { type: "boolean", description: "Send Strict-Transport-Security on HTTPS responses. Default true." },
    hstsMaxAgeSeconds: { type: "integer", minimum: 0, maximum: 63072000, description: "HSTS max-age. Default 31536000." },
    hstsIncludeSubdomains: { type: "boolean", description: "HSTS includeSubDomains. Default true." },
    hstsPreload: { type: "boolean", description: "HSTS preload. Default false." },
    sslProtocols: {
      type: "array",
      minItems: 1,
      maxItems: 2,
      items: { type: "string", enum: [...TLS_PROTOCOLS] },
      description: "Enabled TLS protocols. Default [TLSv1.2, TLSv1.3].",
    },
    useForwardedHeaders: { type: "boolean", description: "Trust incoming X-Forwarded-* headers. Default false." },
    proxyRealIpCidrs: {
      type: "array",
      maxItems: 64,
      items: { type: "string", maxLength: 64, anyOf: [{ format: "ipv4" }, { format: "ipv6" }, { format: "cidr" }] },
      description: "CIDRs trusted to set the client address via X-Forwarded-For. Default none.",
    },
    logFormat: { type: "string", enum: [...LOG_FORMAT_FIELDS], description: "Access log format. Default json." },
    accessLog: { type: "boolean", description: "Write access logs. Default true." },
    accessLogBufferKiB: {
      type: "integer",
      minimum: 0,
      maximum: 1024,
      description: "Access log buffer per worker in KiB: lines are written in blocks, far cheaper than a write per request (0 = a write per line). Default 64.",
    },
    accessLogFlushSeconds: seconds("Longest time a buffered access log line waits before it is written. Default 1.", 60),
    workerShutdownTimeoutSeconds: seconds(
      "After a reload, how long old nginx workers keep serving open connections (WebSocket, gRPC streams, long downloads) before they are closed. Bounds the worker generations alive at once. Default 240.",
      86400,
    ),
    serverTokens: { type: "boolean", description: "Send the nginx version in Server headers. Default false." },
    noEndpointStatus: { type: "integer", minimum: 500, maximum: 599, description: "Status when a backend has no ready endpoint. Default 503." },
    resolvers: {
      type: "array",
      maxItems: 8,
      items: { type: "string", pattern: "^([0-9]{1,3}\\.){3}[0-9]{1,3}$|^[0-9a-fA-F:]+$" },
      description: "DNS servers (IP addresses) for auth-url host names, resolved at request time. Default none: only IP literals work as auth-url hosts.",
    },
    globalAuthUrl: {
      type: "string",
      maxLength: 2048,
      pattern: "^https?://[^\\s\"'\\\\;#{}]+$",
      description: 'External authentication URL applied to every path without an auth-url of its own (enable-global-auth: "false" opts out). Default none.',
    },
    globalAuthMethod: { type: "string", enum: ["GET", "HEAD", "POST"], description: "Method of the global authentication subrequest. Default: the client's." },
    globalAuthSignin: {
      type: "string",
      maxLength: 2048,
      pattern: "^https?://[^\\s\"'\\\\;#{}]+$",
      description: "Where a 401 from the global authentication service redirects. Default none.",
    },
    globalAuthResponseHeaders: {
      type: "array",
      maxItems: 64,
      items: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$" },
      description: "Headers of the global authentication response passed on to backends. Default none.",
    },
  },
} as const;

/** Applies defaults to an already schema-validated partial settings object. */
export function withDefaults(partial: Partial<Settings> | undefined): Settings {
  return { ...DEFAULT_SETTINGS, ...(partial ?? {}) };
}
