{{/*
Webhook serving material, generated at install time and shared by every template of one render
(memoised in .Values._webhook). The CA is reused from the <uuid>-webhook-ca Secret when it exists,
so an upgrade re-issues the serving certificate without changing the caBundle; the API path (the
secret part of the webhook URLs) is likewise kept from the <uuid>-api-path Secret.
*/}}
{{- define "portico.webhook.init" -}}
{{- if not (hasKey .Values "_webhook") -}}
{{- $ns := "pepr-system" -}}
{{- $name := .Values.uuid -}}
{{- $ca := dict -}}
{{- $caSecret := lookup "v1" "Secret" $ns (printf "%s-webhook-ca" $name) -}}
{{- if and $caSecret $caSecret.data (index $caSecret.data "tls.crt") (index $caSecret.data "tls.key") -}}
{{- $ca = buildCustomCert (index $caSecret.data "tls.crt") (index $caSecret.data "tls.key") -}}
{{- else -}}
{{- $ca = genCA (printf "%s-webhook-ca" $name) 3650 -}}
{{- end -}}
{{- $svc := printf "%s.%s.svc" $name $ns -}}
{{- $cert := genSignedCert $svc nil (list $svc (printf "%s.%s" $name $ns) $name (printf "%s.cluster.local" $svc)) (int .Values.webhook.certValidityDays) $ca -}}
{{- $apiPath := "" -}}
{{- $pathSecret := lookup "v1" "Secret" $ns (printf "%s-api-path" $name) -}}
{{- if and $pathSecret $pathSecret.data $pathSecret.data.value -}}
{{- $apiPath = b64dec $pathSecret.data.value -}}
{{- else -}}
{{- $apiPath = sha256sum (randAlphaNum 64) -}}
{{- end -}}
{{- $_ := set .Values "_webhook" (dict "caCert" $ca.Cert "caKey" $ca.Key "cert" $cert.Cert "key" $cert.Key "apiPath" $apiPath) -}}
{{- end -}}
{{- end -}}

{{- define "portico.webhook.caBundle" -}}
{{- include "portico.webhook.init" . -}}
{{- .Values._webhook.caCert | b64enc -}}
{{- end -}}

{{- define "portico.webhook.apiPath" -}}
{{- include "portico.webhook.init" . -}}
{{- .Values._webhook.apiPath -}}
{{- end -}}

{{/* Changes when the serving certificate does, so the admission pods reload it. */}}
{{- define "portico.webhook.checksum" -}}
{{- include "portico.webhook.init" . -}}
{{- if .Values.webhook.certManager.enabled -}}cert-manager{{- else -}}{{- .Values._webhook.cert | sha256sum | trunc 16 -}}{{- end -}}
{{- end -}}

{{- define "portico.labels" -}}
app.kubernetes.io/name: portico
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end -}}
