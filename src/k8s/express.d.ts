// The one use of express (Pepr's web server) in Portico: src/k8s/webhook-body-limit.ts.
declare module "express" {
  const express: { json(options?: Record<string, unknown>): unknown };
  export default express;
}
