// Portico's own image references: the IngressController defaults (schema.ts), the chart's values
// (scripts/gen) and `npm run images` (scripts/images, which tags its archives with exactly these)
// all read them from here. The tag is the package version (checked by scripts/images/catalog.test.ts).
export const IMAGE_REPOSITORY = "ghcr.io/portico-dev";
export const IMAGE_TAG = "0.1.0";

export const PORTICO_IMAGES = {
  /** Both containers of the NGINX pod: nginx + Lua + stream, the agent bundle, Node 20. */
  nginx: `${IMAGE_REPOSITORY}/portico-nginx:${IMAGE_TAG}`,
  /** The default-backend Deployment (404 on /, 200 on /healthz). */
  defaultBackend: `${IMAGE_REPOSITORY}/portico-default-backend:${IMAGE_TAG}`,
  /** Pepr's admission and watcher Deployments: Node 20 and the pinned pepr in /app. */
  controller: `${IMAGE_REPOSITORY}/portico-controller:${IMAGE_TAG}`,
  /** Test backend for the node suites (JSON echo of method, path, headers, pod name). */
  echo: `${IMAGE_REPOSITORY}/portico-echo:${IMAGE_TAG}`,
} as const;
