{{- define "exocom.labels" -}}
app.kubernetes.io/name: exocom
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "exocom.brokerName" -}}{{ .Release.Name }}-exocom{{- end -}}
{{- define "exocom.operatorName" -}}{{ .Release.Name }}-exocom-operator{{- end -}}
{{- define "exocom.brokerHost" -}}{{ include "exocom.brokerName" . }}.{{ .Release.Namespace }}.svc{{- end -}}
{{- define "exocom.tlsSecretName" -}}
{{- if .Values.broker.tls.existingSecret -}}{{ .Values.broker.tls.existingSecret }}{{- else -}}{{ include "exocom.brokerName" . }}-tls{{- end -}}
{{- end -}}

{{/* Labels that select the broker's pods (Services, NetworkPolicies). */}}
{{- define "exocom.brokerSelector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: broker
{{- end -}}
{{- define "exocom.operatorSelector" -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{/*
The container security context every pod of the chart uses: what the "restricted" Pod Security Standard asks
(non-root, no privilege escalation, no capabilities, read-only root filesystem; seccomp is set per pod).
*/}}
{{- define "exocom.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* JVM options: exit on OutOfMemoryError (so Kubernetes restarts it) and a heap as a share of the memory limit. */}}
{{- define "exocom.jvmOptions" -}}
-XX:MaxRAMPercentage={{ .maxRamPercentage }} -XX:+ExitOnOutOfMemoryError
{{- end -}}
