// Writes k8s/scanopy/values.schema.json, the JSON schema Helm checks values
// against (install, upgrade, lint, template). Edit this file, not the JSON:
//
//   node k8s/tools/gen-values-schema.js > k8s/scanopy/values.schema.json
//
// tests/deploy/run fails when the two disagree.
const str = (description, extra = {}) => ({ type: "string", description, ...extra });
const int = (description, extra = {}) => ({ type: "integer", description, ...extra });
const bool = (description) => ({ type: "boolean", description });
const obj = (description, properties, extra = {}) => ({ type: "object", description, additionalProperties: false, properties, ...extra });
const anyObj = (description) => ({ type: "object", description });
const arr = (description, items = {}) => ({ type: "array", description, items });
const port = (description) => int(description, { minimum: 1, maximum: 65535 });
const quantity = (description) => ({ type: ["string", "integer"], description, pattern: "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" });

const image = obj("Image override (empty = the chart-wide image)", {
  repository: str("Image repository"),
  tag: { type: ["string", "number"], description: "Image tag" },
  pullPolicy: { enum: ["Always", "IfNotPresent", "Never"], description: "Pull policy" },
});
const resources = obj("Container resources (requests are needed by the HorizontalPodAutoscaler)", {
  requests: anyObj("Resource requests, e.g. {cpu: 100m, memory: 64Mi}"),
  limits: anyObj("Resource limits"),
  claims: arr("Resource claims"),
});
const antiAffinity = { enum: ["soft", "hard", "none"], description: "Spread replicas over nodes: soft (preferred), hard (required) or none" };

// settings: the service settings the schema checks (type and range); others
// pass unchecked.
function component(name, desc, settings) {
  return obj(desc, {
    replicas: int("Replicas when autoscaling is disabled", { minimum: 0 }),
    port: port("HTTP port of the container (/healthz, /metrics; the API for the gateway)"),
    config: {
      type: "object",
      description: "Extra service settings, each passed as SCANOPY_<NAME> (see `" + name + " --help`). The chart owns nats_url, database_url, http_bind, http_port and nats_replicas.",
      propertyNames: { pattern: "^[a-z][a-z0-9_]*$", not: { enum: ["nats_url", "database_url", "http_bind", "http_port", "nats_replicas"] } },
      ...(settings ? { properties: settings } : {}),
      additionalProperties: { type: ["string", "integer", "boolean", "null"] },
    },
    resources,
    autoscaling: obj("HorizontalPodAutoscaler (autoscaling/v2)", {
      enabled: bool("Create an HPA (replicas is then ignored)"),
      minReplicas: int("Minimum replicas", { minimum: 1 }),
      maxReplicas: int("Maximum replicas", { minimum: 1 }),
      targetCPUUtilizationPercentage: { type: ["integer", "null"], minimum: 1, maximum: 1000, description: "Average CPU utilisation target (% of requests)" },
      targetMemoryUtilizationPercentage: { type: ["integer", "null"], minimum: 1, maximum: 1000, description: "Average memory utilisation target (% of requests)" },
    }, { required: ["enabled", "minReplicas", "maxReplicas"] }),
    pdb: obj("PodDisruptionBudget", {
      enabled: bool("Create a PodDisruptionBudget"),
      maxUnavailable: { type: ["integer", "string", "null"], description: "Pods that may be down at once (used unless minAvailable is set)" },
      minAvailable: { type: ["integer", "string", "null"], description: "Pods that must stay up (overrides maxUnavailable)" },
    }),
    service: obj("The component's Service", {
      type: { enum: ["ClusterIP", "NodePort", "LoadBalancer"], description: "Service type" },
      port: port("Service port"),
      annotations: anyObj("Service annotations"),
    }),
    antiAffinity,
    terminationGracePeriodSeconds: int("Seconds between SIGTERM and SIGKILL", { minimum: 0 }),
    ...(name === "scanopy-fingerprint" ? {
      userDefinitions: { type: "object", description: "Your own fingerprint definitions: file name (*.yaml) -> YAML text, mounted at /etc/scanopy/definitions", propertyNames: { pattern: "^[A-Za-z0-9._-]+\\.ya?ml$" }, additionalProperties: { type: "string" } },
      userDefinitionsConfigMap: str("An existing ConfigMap with your own definitions (instead of userDefinitions)"),
    } : {}),
    ...(name === "scanopy-gateway"
      ? {
          preStopSleepSeconds: int("Seconds to wait before SIGTERM so load balancers drain (0 = none)", { minimum: 0 }),
          secretKey: obj("Key encrypting secrets at rest (SNMP credentials), shared by the replicas", {
            existingSecret: str("Secret holding the key (\"\" = one the chart generates once and keeps)"),
            key: str("Key of the key in that Secret", { minLength: 1 }),
          }),
          tls: obj("HTTPS on the gateway's port", {
            existingSecret: str("kubernetes.io/tls Secret (tls.crt, tls.key); \"\" = plain HTTP"),
          }),
        }
      : {}),
    image,
    podAnnotations: anyObj("Pod annotations"),
    podLabels: anyObj("Pod labels"),
    nodeSelector: anyObj("Node selector"),
    tolerations: arr("Tolerations"),
    affinity: anyObj("Affinity (replaces the antiAffinity preset)"),
    topologySpreadConstraints: arr("Topology spread constraints"),
    priorityClassName: str("PriorityClass of the pods"),
    extraArgs: arr("Extra command-line arguments", { type: "string" }),
    extraEnv: arr("Extra environment variables (EnvVar objects)", { type: "object" }),
    extraVolumes: arr("Extra volumes", { type: "object" }),
    extraVolumeMounts: arr("Extra volume mounts", { type: "object" }),
  }, { required: ["replicas", "port", "resources", "autoscaling", "pdb", "service"] });
}
const peers = (d) => arr(d, { type: "object" });
const persistence = (d, extra = {}) => obj(d, {
  size: quantity("Volume size"),
  storageClassName: str("StorageClass (\"\" = the cluster default)"),
  accessModes: arr("Access modes", { enum: ["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany", "ReadOnlyMany"] }),
  ...extra,
});

const schema = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "Scanopy Helm chart values",
  type: "object",
  additionalProperties: false,
  properties: {
    global: anyObj("Helm global values (unused by this chart)"),
    nameOverride: str("Overrides the chart name in resource names"),
    fullnameOverride: str("Overrides the full resource name prefix"),
    clusterDomain: str("Cluster DNS domain (for the NATS routes and service URLs)", { minLength: 1 }),
    image: obj("The Scanopy image (all five binaries under /usr/local/bin)", {
      repository: str("Image repository", { minLength: 1 }),
      tag: { type: ["string", "number"], description: "Image tag (default: the chart's appVersion)" },
      pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] },
    }, { required: ["repository"] }),
    imagePullSecrets: arr("Image pull secrets", { type: "object", properties: { name: { type: "string" } }, required: ["name"] }),
    logLevel: { enum: ["debug", "info", "warn", "error"], description: "Log level of every component" },
    commonLabels: { type: "object", description: "Labels added to every object", additionalProperties: { type: "string" } },
    serviceAccount: obj("ServiceAccount of the pods (no API token is mounted)", {
      create: bool("Create the ServiceAccount"),
      name: str("Its name (default: the full name)"),
      annotations: anyObj("Its annotations"),
    }),
    podSecurityContext: anyObj("Pod security context of the four services"),
    containerSecurityContext: anyObj("Container security context of the four services"),
    probes: obj("Probe timing of the four services (all GET /healthz)", Object.fromEntries(["startup", "readiness", "liveness"].map((p) => [p, obj(p + " probe", {
      periodSeconds: int("Seconds between probes", { minimum: 1 }),
      timeoutSeconds: int("Probe timeout", { minimum: 1 }),
      failureThreshold: int("Failures before acting", { minimum: 1 }),
    }, { required: ["periodSeconds", "timeoutSeconds", "failureThreshold"] })]))),
    metrics: obj("Metrics", { podAnnotations: bool("Add prometheus.io/* scrape annotations to the pods") }),
    gateway: component("scanopy-gateway", "The gateway: HTTP API, UI and daemon endpoints (port 60072)"),
    fingerprint: component("scanopy-fingerprint", "The fingerprint service: classifies raw observations (stateless)"),
    topology: component("scanopy-topology", "The topology service: folds classified batches into the model", {
      host_gone_missed_sweeps: int("complete sweeps in a row that must miss a host for it to be gone (default 2)", { minimum: 1, maximum: 100 }),
      sweeps_keep_days: int("days sweeps are kept to count misses by (default 30; more than host_gone_after_s)", { minimum: 1, maximum: 3650 }),
    }),
    scheduler: component("scanopy-scheduler", "The scheduler: discovery schedules and sessions (2+ replicas safe)"),
    nats: obj("NATS JetStream", {
      enabled: bool("Run a NATS JetStream cluster in the release"),
      externalUrl: str("NATS URL of an external JetStream cluster (when enabled is false)"),
      replicas: { enum: [1, 3, 5], description: "NATS servers (odd, for a quorum)" },
      streamReplicas: { type: ["integer", "null"], enum: [null, 1, 2, 3, 4, 5], description: "JetStream stream replicas (SCANOPY_NATS_REPLICAS); default 3 with 3+ servers, else 1" },
      image: obj("NATS image", {
        repository: str("Image repository", { minLength: 1 }),
        tag: { type: ["string", "number"], description: "Image tag" },
        pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] },
      }, { required: ["repository", "tag"] }),
      ports: obj("NATS ports", { client: port("Client port"), cluster: port("Cluster route port"), monitor: port("HTTP monitor port") }, { required: ["client", "cluster", "monitor"] }),
      jetstream: obj("JetStream storage", {
        maxFileStore: { type: "string", pattern: "^[0-9]+[KMGT]i?B?$", description: "File store limit per server, e.g. 8Gi" },
        maxMemoryStore: { type: "string", pattern: "^[0-9]+[KMGT]i?B?$", description: "Memory store limit per server, e.g. 256Mi" },
        persistence: persistence("PersistentVolumeClaim of each server's file store"),
      }),
      auth: obj("Client authentication (user and password)", {
        enabled: bool("Require a user and password from clients"),
        user: str("User name", { pattern: "^[A-Za-z0-9._-]+$" }),
        password: str("Password (URL-safe characters; generated and kept when empty)", { pattern: "^[A-Za-z0-9._~-]*$" }),
        existingSecret: str("Secret holding the password"),
        passwordKey: str("Key of the password in the Secret", { minLength: 1 }),
      }),
      resources,
      pdb: obj("PodDisruptionBudget", { enabled: bool("Create it"), maxUnavailable: { type: ["integer", "string"], description: "Servers that may be down at once" } }),
      antiAffinity,
      podAnnotations: anyObj("Pod annotations"),
      nodeSelector: anyObj("Node selector"),
      tolerations: arr("Tolerations"),
      affinity: anyObj("Affinity (replaces the antiAffinity preset)"),
      topologySpreadConstraints: arr("Topology spread constraints"),
      priorityClassName: str("PriorityClass of the pods"),
    }, { required: ["enabled", "replicas"] }),
    externalDatabase: obj("External PostgreSQL (used unless postgresql.enabled)", {
      url: str("Full libpq connection URI (overrides the parts below)", { pattern: "^$|^postgres(ql)?://" }),
      host: str("Host"),
      port: port("Port"),
      database: str("Database name"),
      user: str("User"),
      sslmode: { enum: ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"], description: "libpq sslmode" },
      password: str("Password (passed as PGPASSWORD)"),
      existingSecret: str("Secret with the connection URI (and optionally the password)"),
      existingSecretUrlKey: str("Key of the URI in existingSecret", { minLength: 1 }),
      existingSecretPasswordKey: str("Key of the password in existingSecret (\"\" = none)"),
    }),
    postgresql: obj("In-cluster PostgreSQL for trials (single instance, no backups)", {
      enabled: bool("Run PostgreSQL in the release"),
      image: obj("PostgreSQL image", {
        repository: str("Image repository", { minLength: 1 }),
        tag: { type: ["string", "number"], description: "Image tag" },
        pullPolicy: { enum: ["Always", "IfNotPresent", "Never"] },
      }),
      auth: obj("Database, user and password", {
        database: str("Database name", { pattern: "^[a-z_][a-z0-9_]*$" }),
        username: str("User name", { pattern: "^[a-z_][a-z0-9_]*$" }),
        password: str("Password (generated and kept when empty)"),
        existingSecret: str("Secret holding the password"),
        passwordKey: str("Key of the password in the Secret", { minLength: 1 }),
      }),
      port: port("Service port"),
      persistence: persistence("PersistentVolumeClaim of the data directory"),
      resources,
      nodeSelector: anyObj("Node selector"),
      tolerations: arr("Tolerations"),
      affinity: anyObj("Affinity"),
    }),
    ingress: obj("Ingress for the gateway", {
      enabled: bool("Create the Ingress"),
      className: str("IngressClass name"),
      annotations: anyObj("Ingress annotations (e.g. cert-manager, proxy buffering off for server-sent events)"),
      hosts: arr("Hosts and paths", obj("A host", {
        host: str("Host name", { minLength: 1 }),
        paths: arr("Paths", obj("A path", { path: str("Path", { pattern: "^/" }), pathType: { enum: ["Prefix", "Exact", "ImplementationSpecific"] } }, { required: ["path"] })),
      }, { required: ["host", "paths"] })),
      tls: arr("TLS: secret and host names", obj("A TLS entry", { secretName: str("Secret with tls.crt and tls.key", { minLength: 1 }), hosts: arr("Host names", { type: "string" }) }, { required: ["secretName", "hosts"] })),
    }),
    daemon: obj("Discovery daemons in the cluster", {
      enabled: bool("Run daemons in the cluster"),
      kind: { enum: ["DaemonSet", "Deployment"], description: "One per node (DaemonSet) or one (Deployment)" },
      mode: { enum: ["integrated", "daemon_poll", "server_poll"], description: "How the daemon talks to the server (this version runs integrated)" },
      orgId: str("Organisation id (integrated mode)", { pattern: "^$|^[A-Za-z0-9_-]+$" }),
      networkId: str("Network id (integrated mode)", { pattern: "^$|^[A-Za-z0-9_-]+$" }),
      name: str("Name shown in the UI (default: the node name)"),
      serverUrl: str("Gateway URL (daemon_poll; default: the in-cluster gateway)"),
      serverCA: obj("CA the daemon verifies an https:// gateway with", {
        existingSecret: str("Secret holding the CA certificate (\"\" = the system's CAs)"),
        key: str("Key of the CA certificate in that Secret", { minLength: 1 }),
      }),
      apiKey: str("Daemon API key"),
      existingSecret: str("Secret holding the API key"),
      apiKeyKey: str("Key of the API key in the Secret", { minLength: 1 }),
      hostNetwork: bool("Use the node's network namespace"),
      capabilities: arr("Capabilities added to the container", { enum: ["NET_RAW", "NET_ADMIN", "NET_BIND_SERVICE"] }),
      docker: obj("Docker discovery", {
        socket: bool("Mount the node's Docker socket read-only"),
        socketPath: str("Path of the Docker socket on the node"),
        proxyUrl: str("Docker socket proxy URL (http or https)", { pattern: "^$|^(http|https|tcp)://" }),
      }),
      stateHostPath: str("Node directory for the daemon id (DaemonSet)", { pattern: "^/" }),
      persistence: obj("PersistentVolumeClaim for the daemon id (Deployment)", { enabled: bool("Create it"), size: quantity("Size"), storageClassName: str("StorageClass") }),
      resources,
      image,
      podAnnotations: anyObj("Pod annotations"),
      nodeSelector: anyObj("Node selector"),
      tolerations: arr("Tolerations"),
      affinity: anyObj("Affinity"),
      priorityClassName: str("PriorityClass of the pods"),
      extraArgs: arr("Extra command-line arguments", { type: "string" }),
      extraEnv: arr("Extra environment variables", { type: "object" }),
    }),
    networkPolicy: obj("Ingress NetworkPolicies", {
      enabled: bool("Create NetworkPolicies"),
      gatewayFrom: peers("Peers allowed to the gateway ([] = all)"),
      metricsFrom: peers("Peers allowed to /metrics and the NATS monitor ([] = any pod)"),
      natsFrom: peers("Extra peers allowed to the NATS client port"),
    }),
  },
};
process.stdout.write(JSON.stringify(schema, null, 2) + "\n");
