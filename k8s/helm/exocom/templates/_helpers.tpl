{{- define "exocom.labels" -}}
app.kubernetes.io/name: exocom
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}

{{- define "exocom.brokerName" -}}{{ .Release.Name }}-exocom{{- end -}}
{{- define "exocom.operatorName" -}}{{ .Release.Name }}-exocom-operator{{- end -}}
{{- define "exocom.brokerHost" -}}{{ include "exocom.brokerName" . }}.{{ .Release.Namespace }}.svc{{- end -}}
