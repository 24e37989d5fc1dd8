{{/* Names and labels shared by every template. */}}

{{/* The chart name, or nameOverride. */}}
{{- define "dockerpod-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, else the release name (when it contains the chart name), else release-chart. */}}
{{- define "dockerpod-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "dockerpod-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | trunc 63 | trimSuffix "-" }}
{{ include "dockerpod-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: dockerpod-operator
{{- end }}

{{/* Labels that select the operator's pods (immutable in a Deployment: never add to them). */}}
{{- define "dockerpod-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dockerpod-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "dockerpod-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "dockerpod-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The operator image: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "dockerpod-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The name of the Secret the chart makes for a declared DockerHost's TLS material (dot: the host). */}}
{{- define "dockerpod-operator.hostTlsSecretName" -}}
{{- printf "dockerhost-%s-tls" .name }}
{{- end }}

{{/* The Lease of the leader election (named explicitly, so that the Role can name it too). */}}
{{- define "dockerpod-operator.leaseName" -}}
{{- default (include "dockerpod-operator.fullname" .) .Values.leaderElection.id }}
{{- end }}
