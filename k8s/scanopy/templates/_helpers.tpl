{{/* Names ---------------------------------------------------------------- */}}

{{- define "scanopy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scanopy.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "scanopy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scanopy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "scanopy.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels: "scanopy.labels" and "scanopy.selectorLabels" take
     (dict "root" $ "component" "gateway"). */}}

{{- define "scanopy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "scanopy.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "scanopy.labels" -}}
helm.sh/chart: {{ include "scanopy.chart" .root }}
{{ include "scanopy.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: scanopy
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Images: (dict "root" $ "image" .Values.gateway.image) */}}
{{- define "scanopy.image" -}}
{{- $g := .root.Values.image -}}
{{- $i := .image | default dict -}}
{{- printf "%s:%s" ($i.repository | default $g.repository) (toString ($i.tag | default $g.tag | default .root.Chart.AppVersion)) -}}
{{- end -}}

{{- define "scanopy.imagePullPolicy" -}}
{{- $i := .image | default dict -}}
{{- $i.pullPolicy | default .root.Values.image.pullPolicy -}}
{{- end -}}

{{/* NATS ------------------------------------------------------------------ */}}

{{- define "scanopy.nats.fullname" -}}
{{- printf "%s-nats" (include "scanopy.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scanopy.nats.headless" -}}
{{- printf "%s-nats-headless" (include "scanopy.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Secret holding the NATS client password (when auth is enabled). */}}
{{- define "scanopy.nats.secretName" -}}
{{- .Values.nats.auth.existingSecret | default (printf "%s-nats-auth" (include "scanopy.fullname" .)) -}}
{{- end -}}

{{/* The stream replicas the services ask JetStream for. */}}
{{- define "scanopy.nats.streamReplicas" -}}
{{- if .Values.nats.streamReplicas -}}
{{- .Values.nats.streamReplicas -}}
{{- else if and .Values.nats.enabled (ge (int .Values.nats.replicas) 3) -}}
3
{{- else -}}
1
{{- end -}}
{{- end -}}

{{/* The NATS URL without credentials. */}}
{{- define "scanopy.nats.url" -}}
{{- if .Values.nats.enabled -}}
{{- printf "nats://%s.%s.svc.%s:%d" (include "scanopy.nats.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.nats.ports.client) -}}
{{- else -}}
{{- required "nats.externalUrl is required when nats.enabled is false" .Values.nats.externalUrl -}}
{{- end -}}
{{- end -}}

{{/* Environment giving a client its NATS URL: SCANOPY_NATS_URL, with the
     credentials spliced in by Kubernetes' $(VAR) expansion when auth is on. */}}
{{- define "scanopy.nats.env" -}}
{{- if and .Values.nats.enabled .Values.nats.auth.enabled }}
- name: NATS_USER
  value: {{ .Values.nats.auth.user | quote }}
- name: NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "scanopy.nats.secretName" . }}
      key: {{ .Values.nats.auth.passwordKey }}
- name: SCANOPY_NATS_URL
  value: {{ include "scanopy.nats.url" . | replace "nats://" "nats://$(NATS_USER):$(NATS_PASSWORD)@" | quote }}
{{- else }}
- name: SCANOPY_NATS_URL
  value: {{ include "scanopy.nats.url" . | quote }}
{{- end }}
{{- end -}}

{{/* Database ------------------------------------------------------------ */}}

{{- define "scanopy.postgresql.fullname" -}}
{{- printf "%s-postgresql" (include "scanopy.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "scanopy.postgresql.secretName" -}}
{{- .Values.postgresql.auth.existingSecret | default (include "scanopy.postgresql.fullname" .) -}}
{{- end -}}

{{/* The chart's own Secret with the database URL (and password). */}}
{{- define "scanopy.database.chartSecretName" -}}
{{- printf "%s-database" (include "scanopy.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The database URL the chart writes into its Secret ("" with existingSecret). */}}
{{- define "scanopy.database.url" -}}
{{- if .Values.postgresql.enabled -}}
{{- $pg := .Values.postgresql -}}
{{- printf "postgresql://%s@%s.%s.svc.%s:%d/%s?sslmode=disable" $pg.auth.username (include "scanopy.postgresql.fullname" .) .Release.Namespace .Values.clusterDomain (int $pg.port) $pg.auth.database -}}
{{- else if .Values.externalDatabase.existingSecret -}}
{{- else if .Values.externalDatabase.url -}}
{{- .Values.externalDatabase.url -}}
{{- else -}}
{{- $db := .Values.externalDatabase -}}
{{- printf "postgresql://%s@%s:%d/%s?sslmode=%s" (urlquery $db.user) $db.host (int $db.port) $db.database $db.sslmode -}}
{{- end -}}
{{- end -}}

{{/* SCANOPY_DATABASE_URL and PGPASSWORD (libpq reads it when the URL has no
     password) for the services that own a schema. */}}
{{- define "scanopy.database.env" -}}
{{- $db := .Values.externalDatabase -}}
{{- if and (not .Values.postgresql.enabled) $db.existingSecret }}
- name: SCANOPY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.existingSecretUrlKey }}
{{- if $db.existingSecretPasswordKey }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $db.existingSecret }}
      key: {{ $db.existingSecretPasswordKey }}
{{- end }}
{{- else }}
- name: SCANOPY_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "scanopy.database.chartSecretName" . }}
      key: database-url
{{- if .Values.postgresql.enabled }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "scanopy.postgresql.secretName" . }}
      key: {{ .Values.postgresql.auth.passwordKey }}
{{- else if $db.password }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "scanopy.database.chartSecretName" . }}
      key: password
{{- end }}
{{- end }}
{{- end -}}

{{/* A secret value kept across upgrades: the given value, else the one in the
     live Secret, else a new random one.
     (dict "root" $ "value" "..." "secret" "name" "key" "k") */}}
{{/* The Secret holding the gateway's key for secrets at rest. */}}
{{- define "scanopy.gateway.keySecretName" -}}
{{- .Values.gateway.secretKey.existingSecret | default (printf "%s-gateway-key" (include "scanopy.fullname" .)) -}}
{{- end -}}

{{- define "scanopy.keptSecret" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $live := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $live $live.data (hasKey $live.data .key) -}}
{{- index $live.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Scheduling ----------------------------------------------------------- */}}

{{/* (dict "root" $ "component" "gateway" "mode" "soft") */}}
{{- define "scanopy.antiAffinity" -}}
{{- if eq .mode "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "scanopy.selectorLabels" . | nindent 10 }}
{{- else if eq .mode "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "scanopy.selectorLabels" . | nindent 12 }}
{{- end }}
{{- end -}}

{{/* Extra SCANOPY_* settings from a component's `config` map. */}}
{{- define "scanopy.configEnv" -}}
{{- $owned := list "nats_url" "database_url" "http_bind" "http_port" "nats_replicas" -}}
{{- range $k, $v := .config }}
{{- if has $k $owned }}
{{- fail (printf "%s.config.%s is set by the chart; use the chart's own values" $.component $k) }}
{{- end }}
{{- if not (kindIs "invalid" $v) }}
- name: {{ printf "SCANOPY_%s" (upper $k) }}
  value: {{ toString $v | quote }}
{{- end }}
{{- end }}
{{- end -}}
