#!/usr/bin/env node
// Checks what issue 11 asks of the Scanopy chart in a rendered manifest:
// probes on /healthz, requests, hardening, PDBs and HPAs, scheduler replicas,
// a 3-node JetStream cluster wired into the services, NetworkPolicies for
// every pod, and per profile the Ingress/TLS, secrets and daemon settings.
//
// usage: chart-policy.js MANIFEST.yaml PROFILE   (default | scaled | trial)
"use strict";
const fs = require("fs");
const YAML = require("yaml");

const [file, profile] = process.argv.slice(2);
const objects = YAML.parseAllDocuments(fs.readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
const errors = [];
const check = (cond, msg) => { if (!cond) errors.push(msg); };
const byKind = (k) => objects.filter((o) => o.kind === k);
const comp = (o) => (o.metadata.labels || {})["app.kubernetes.io/component"];
const find = (kind, component) => objects.find((o) => o.kind === kind && comp(o) === component);
const matches = (sel, labels) => sel && Object.entries(sel).every(([k, v]) => labels && labels[k] === v);
const envOf = (c) => Object.fromEntries((c.env || []).map((e) => [e.name, e]));
const val = (e) => e && e.value;

const services = { gateway: true, fingerprint: false, topology: true, scheduler: true }; // name -> uses the database
const nats = find("StatefulSet", "nats");
check(nats, "no NATS StatefulSet");
const natsReplicas = nats ? nats.spec.replicas : 0;

for (const [name, usesDb] of Object.entries(services)) {
  const d = find("Deployment", name);
  if (!check(d, `no Deployment for ${name}`) && !d) continue;
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const env = envOf(c);
  check(JSON.stringify(c.command) === JSON.stringify([`/usr/local/bin/scanopy-${name}`]), `${name}: command is not /usr/local/bin/scanopy-${name}`);
  const http = (c.ports || []).find((p) => p.name === "http");
  check(http, `${name}: no port named http`);
  for (const p of ["readinessProbe", "livenessProbe", "startupProbe"]) {
    const g = c[p] && c[p].httpGet;
    check(g && g.path === "/healthz" && g.port === "http", `${name}: ${p} is not GET /healthz on the http port`);
  }
  check(val(env.SCANOPY_HTTP_BIND) === "0.0.0.0", `${name}: SCANOPY_HTTP_BIND is not 0.0.0.0`);
  check(http && val(env.SCANOPY_HTTP_PORT) === String(http.containerPort), `${name}: SCANOPY_HTTP_PORT differs from the http containerPort`);
  const req = (c.resources || {}).requests || {};
  check(req.cpu && req.memory, `${name}: cpu and memory requests missing`);
  const psc = pod.securityContext || {}, csc = c.securityContext || {};
  check(psc.runAsNonRoot === true, `${name}: pod not runAsNonRoot`);
  check(csc.readOnlyRootFilesystem === true && csc.allowPrivilegeEscalation === false, `${name}: container not read-only / no-escalation`);
  check(((csc.capabilities || {}).drop || []).includes("ALL"), `${name}: capabilities not dropped`);
  check(pod.automountServiceAccountToken === false, `${name}: service account token mounted`);
  // NATS wiring: the URL names the release's NATS client Service and port.
  if (nats) {
    check(val(env.SCANOPY_NATS_REPLICAS) === String(Math.min(3, natsReplicas)), `${name}: SCANOPY_NATS_REPLICAS is ${val(env.SCANOPY_NATS_REPLICAS)}, NATS has ${natsReplicas} servers`);
    const url = val(env.SCANOPY_NATS_URL) || "";
    const m = url.match(/^nats:\/\/(?:[^@]+@)?([^.:/]+)\.([^.:/]+)\.svc\.[^:]+:(\d+)$/);
    check(m, `${name}: SCANOPY_NATS_URL ${url} is not an in-cluster service URL`);
    if (m) {
      const svc = objects.find((o) => o.kind === "Service" && o.metadata.name === m[1]);
      check(svc && matches(svc.spec.selector, nats.spec.template.metadata.labels), `${name}: ${m[1]} is not a Service of the NATS pods`);
      check(svc && svc.spec.ports.some((p) => String(p.port) === m[3] && p.targetPort === "client"), `${name}: port ${m[3]} is not NATS's client port`);
      check(m[2] === d.metadata.namespace, `${name}: NATS URL namespace ${m[2]} is not the release's`);
    }
  }
  check(Boolean(env.SCANOPY_DATABASE_URL) === usesDb, `${name}: SCANOPY_DATABASE_URL ${usesDb ? "missing" : "given to a service without a schema"}`);
  // Availability: a PDB, and an HPA or 2+ replicas.
  check(byKind("PodDisruptionBudget").some((p) => matches(p.spec.selector.matchLabels, d.spec.template.metadata.labels)), `${name}: no PodDisruptionBudget`);
  const hpa = byKind("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.name === d.metadata.name);
  if (["gateway", "fingerprint", "topology"].includes(name)) check(hpa, `${name}: no HorizontalPodAutoscaler`);
  const minReplicas = hpa ? hpa.spec.minReplicas : d.spec.replicas;
  check(minReplicas >= 2, `${name}: fewer than 2 replicas (${minReplicas})`);
}

// The JetStream cluster: 3 servers, routes to each by its stable name,
// JetStream on a PVC, a headless Service, a PDB.
if (nats) {
  check(natsReplicas === 3, `NATS has ${natsReplicas} servers, not 3`);
  check(nats.spec.podManagementPolicy === "Parallel", "NATS pods do not start in parallel");
  const headless = objects.find((o) => o.kind === "Service" && o.metadata.name === nats.spec.serviceName);
  check(headless && headless.spec.clusterIP === "None", "NATS serviceName is not a headless Service");
  const vol = (nats.spec.template.spec.volumes || []).find((v) => v.configMap);
  const cm = vol && objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === vol.configMap.name);
  const conf = cm ? cm.data["nats.conf"] : "";
  check(/jetstream\s*\{[^}]*store_dir:\s*\/data/.test(conf), "nats.conf: JetStream file store not on /data");
  const dataMount = nats.spec.template.spec.containers[0].volumeMounts.find((m) => m.mountPath === "/data");
  check(dataMount && (nats.spec.volumeClaimTemplates || []).some((t) => t.metadata.name === dataMount.name), "NATS /data is not a PVC");
  const routes = [...conf.matchAll(/nats:\/\/([^:\s]+):(\d+)/g)].map((m) => m[1]);
  const ns = nats.metadata.namespace;
  const want = [...Array(natsReplicas).keys()].map((i) => `${nats.metadata.name}-${i}.${nats.spec.serviceName}.${ns}.svc.cluster.local`);
  check(JSON.stringify(routes) === JSON.stringify(want), `nats.conf routes ${routes} are not ${want}`);
  check(/server_name:\s*\$SERVER_NAME/.test(conf) && envOf(nats.spec.template.spec.containers[0]).SERVER_NAME, "NATS server_name is not the pod name");
  check(byKind("PodDisruptionBudget").some((p) => matches(p.spec.selector.matchLabels, nats.spec.template.metadata.labels)), "NATS has no PodDisruptionBudget");
}

// Every pod of the release is selected by a NetworkPolicy.
for (const w of objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))) {
  if (w.spec.template.spec.hostNetwork) continue; // policies do not apply to host-network pods
  check(byKind("NetworkPolicy").some((np) => matches(np.spec.podSelector.matchLabels, w.spec.template.metadata.labels)), `${w.kind}/${w.metadata.name}: no NetworkPolicy selects it`);
}

const ing = byKind("Ingress")[0];
const secretRef = (d, n) => { const e = envOf(d.spec.template.spec.containers[0])[n]; return e && e.valueFrom && e.valueFrom.secretKeyRef; };
if (profile === "default") {
  check(!find("StatefulSet", "postgresql"), "default: in-cluster PostgreSQL is on");
  check(!ing, "default: an Ingress is rendered");
  const ref = secretRef(find("Deployment", "gateway"), "SCANOPY_DATABASE_URL");
  check(ref, "default: database URL not from a Secret");
}
if (profile === "scaled" || profile === "trial") {
  check(ing && (ing.spec.tls || []).length && ing.spec.tls.every((t) => t.secretName && t.hosts.length), `${profile}: no Ingress with TLS`);
  check(secretRef(find("Deployment", "gateway"), "NATS_PASSWORD"), `${profile}: NATS auth is off`);
}
if (profile === "scaled") {
  const ref = secretRef(find("Deployment", "topology"), "SCANOPY_DATABASE_URL");
  check(ref && ref.name === "scanopy-database", "scaled: database URL not from the existing Secret scanopy-database");
  check(!byKind("Secret").some((s) => s.data && s.data["database-url"]), "scaled: the chart renders a database URL Secret despite existingSecret");
  for (const n of ["gateway", "fingerprint", "topology"]) {
    const h = byKind("HorizontalPodAutoscaler").find((x) => comp(x) === n);
    check(h && h.spec.maxReplicas >= 10, `scaled: ${n} cannot scale to 10+`);
  }
  check(find("Deployment", "scheduler").spec.replicas >= 3, "scaled: fewer than 3 schedulers");
}
if (profile === "trial") {
  const pg = find("StatefulSet", "postgresql");
  check(pg, "trial: no in-cluster PostgreSQL");
  const ds = byKind("DaemonSet")[0];
  check(ds, "trial: no daemon DaemonSet");
  if (ds) {
    const pod = ds.spec.template.spec, c = pod.containers[0];
    check(pod.hostNetwork === true && pod.dnsPolicy === "ClusterFirstWithHostNet", "daemon: not on the host network with cluster DNS");
    const add = ((c.securityContext || {}).capabilities || {}).add || [];
    check(add.includes("NET_RAW") && add.includes("NET_ADMIN"), "daemon: NET_RAW/NET_ADMIN not added");
    check(((c.securityContext || {}).capabilities || {}).drop.includes("ALL"), "daemon: other capabilities not dropped");
    const sock = (c.volumeMounts || []).find((m) => m.mountPath === "/var/run/docker.sock");
    check(sock && sock.readOnly === true, "daemon: Docker socket not mounted read-only");
    const env = envOf(c);
    check(val(env.SCANOPY_MODE) === "integrated" && val(env.SCANOPY_ORG_ID) && val(env.SCANOPY_NETWORK_ID), "daemon: integrated settings missing");
    check(c.livenessProbe && c.livenessProbe.exec && c.livenessProbe.exec.command.includes("status"), "daemon: no status liveness probe");
  }
}

if (errors.length) {
  for (const e of errors) console.error(`  ${e}`);
  console.error(`${file} (${profile}): ${errors.length} policy problem(s)`);
  process.exit(1);
}
console.log(`${file} (${profile}): chart policy holds`);
