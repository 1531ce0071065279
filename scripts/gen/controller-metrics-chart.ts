// templates/portico/controller-metrics.yaml: the Service in front of the watcher pod's controller
// metrics port (a Service of its own: Pepr's watcher Service has one unnamed port, and a second
// port would need both named), and, when asked, a Prometheus operator ServiceMonitor for it. The
// watcher Deployment gets the port, the env and the prometheus.io/* pod annotations in
// pepr-chart.ts (addControllerMetrics).

/** Pods of the watcher Deployment, as Pepr labels them (pepr build, uuid "portico"). */
const WATCHER_SELECTOR = { app: "pepr-portico-watcher", "pepr.dev/controller": "watcher" };
export const CONTROLLER_METRICS_SERVICE = "pepr-portico-watcher-metrics";
/** Pepr fixes the watcher's namespace. */
const WATCHER_NAMESPACE = "pepr-system";

export function controllerMetricsTemplate(): string {
  const selector = Object.entries(WATCHER_SELECTOR)
    .map(([k, v]) => `    ${k}: ${v}`)
    .join("\n");
  return `{{- if .Values.controllerMetrics.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: ${CONTROLLER_METRICS_SERVICE}
  namespace: ${WATCHER_NAMESPACE}
  labels:
    {{- include "portico.labels" . | nindent 4 }}
    app.kubernetes.io/component: controller-metrics
spec:
  type: ClusterIP
  selector:
${selector}
  ports:
    - name: metrics
      port: {{ .Values.controllerMetrics.port }}
      targetPort: metrics
      protocol: TCP
{{- if .Values.controllerMetrics.serviceMonitor.enabled }}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: ${CONTROLLER_METRICS_SERVICE}
  namespace: ${WATCHER_NAMESPACE}
  labels:
    {{- include "portico.labels" . | nindent 4 }}
    {{- with .Values.controllerMetrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/component: controller-metrics
      app.kubernetes.io/instance: {{ .Release.Name }}
  namespaceSelector:
    matchNames:
      - ${WATCHER_NAMESPACE}
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ .Values.controllerMetrics.serviceMonitor.interval }}
{{- end }}
{{- end }}
`;
}
