#!/usr/bin/env node
// Validates rendered Kubernetes manifests offline:
//   1. every object against the Kubernetes OpenAPI schemas bundled in the npm
//      package kubernetes-models (types, required fields, enums);
//   2. unknown fields (which those schemas allow): each object is walked along
//      the property lists of the package's type declarations, so a misspelt
//      key (`readinesProbe`) fails instead of being silently dropped;
//   3. references inside the release: selectors match pod labels, Services'
//      named target ports exist, Secrets/ConfigMaps/PVCs named by pods are
//      rendered (or listed with --external-secret), volume mounts name
//      volumes, probes name container ports, HPAs/PDBs target something.
//
// usage: k8s-validate.js MANIFEST.yaml [--external-secret NAME]...
// Needs NODE_PATH pointing at a node_modules with kubernetes-models and yaml.
"use strict";
const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

const args = process.argv.slice(2);
const file = args[0];
const externalSecrets = new Set();
for (let i = 1; i < args.length; i++) {
  if (args[i] === "--external-secret") externalSecrets.add(args[++i]);
}
const errors = [];
const err = (obj, msg) => errors.push(`${obj ? `${obj.kind}/${obj.metadata && obj.metadata.name}` : file}: ${msg}`);

// ---- load ----------------------------------------------------------------
const docs = YAML.parseAllDocuments(fs.readFileSync(file, "utf8"));
const objects = [];
for (const d of docs) {
  if (d.errors.length) { err(null, `YAML: ${d.errors[0].message}`); continue; }
  const o = d.toJS();
  if (o == null) continue;
  if (typeof o !== "object" || !o.apiVersion || !o.kind) { err(null, "a document without apiVersion/kind"); continue; }
  objects.push(o);
}
if (!objects.length) err(null, "no objects rendered");

// ---- 1. OpenAPI schemas ---------------------------------------------------
const modelsDir = path.dirname(require.resolve("kubernetes-models/package.json"));
function modelFor(o) {
  const dir = o.apiVersion.includes("/") ? o.apiVersion : o.apiVersion; // "v1" or "group/version"
  let mod;
  try { mod = require(path.join(modelsDir, dir)); } catch (e) { return null; }
  return mod[o.kind] || null;
}
for (const o of objects) {
  const Model = modelFor(o);
  if (!Model) { err(o, `unknown apiVersion/kind ${o.apiVersion} ${o.kind}`); continue; }
  try { new Model(o).validate(); } catch (e) {
    const details = (e.errors || []).map((x) => `${x.instancePath || "/"} ${x.message}`).join("; ");
    err(o, `schema: ${details || e.message}`);
  }
  if (!o.metadata || !o.metadata.name) err(o, "metadata.name missing");
  else if (o.metadata.name.length > 63 && o.kind !== "ConfigMap" && o.kind !== "Secret") err(o, "name longer than 63 characters");
}

// ---- 2. unknown fields ----------------------------------------------------
// The registry maps canonical interface aliases (IIoK8sApiCoreV1Container) to
// {prop: typeText}, parsed from the packages' .d.ts files.
const registry = new Map();
function scanDts(dir) {
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) { if (ent.name !== "node_modules") scanDts(p); continue; }
    if (!ent.name.endsWith(".d.ts")) continue;
    const text = fs.readFileSync(p, "utf8");
    const aliases = new Map(); // local interface name -> canonical
    for (const m of text.matchAll(/export \{([^}]*)\}/g)) {
      for (const part of m[1].split(",")) {
        const mm = part.trim().match(/^(\w+) as (\w+)$/);
        if (mm) aliases.set(mm[1], mm[2]);
      }
    }
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const head = lines[i].match(/^export interface (\w+)(?: extends [\w, ]+)? \{$/);
      if (!head) continue;
      const props = {};
      let depth = 1;
      for (i++; i < lines.length && depth > 0; i++) {
        const line = lines[i];
        if (depth === 1) {
          const pm = line.match(/^\s*"([^"]+)"\??: (.*?);?$/);
          if (pm) props[pm[1]] = pm[2].trim().startsWith("{") ? "map" : pm[2].trim();
        }
        depth += (line.match(/\{/g) || []).length - (line.match(/\}/g) || []).length;
      }
      i--;
      const canon = aliases.get(head[1]) || head[1];
      registry.set(canon, props);
    }
  }
}
scanDts(modelsDir);
scanDts(path.dirname(require.resolve("@kubernetes-models/apimachinery/package.json", { paths: [modelsDir] })));

function typeOfKind(o) {
  const dir = path.join(modelsDir, o.apiVersion);
  const f = path.join(dir, `${o.kind}.d.ts`);
  if (!fs.existsSync(f)) return null;
  const m = fs.readFileSync(f, "utf8").match(new RegExp(`I${o.kind} as (\\w+)`));
  return m ? m[1] : null;
}
function walk(o, val, type, at) {
  if (val == null || !type) return;
  const arr = type.match(/^Array<(.+)>$/);
  if (arr) { if (Array.isArray(val)) val.forEach((v, i) => walk(o, v, arr[1], `${at}[${i}]`)); return; }
  const props = registry.get(type);
  if (!props || typeof val !== "object" || Array.isArray(val)) return;
  for (const [k, v] of Object.entries(val)) {
    if (!(k in props)) { err(o, `unknown field ${at}.${k}`); continue; }
    walk(o, v, props[k], `${at}.${k}`);
  }
}
for (const o of objects) {
  const t = typeOfKind(o);
  if (!t || !registry.has(t)) { err(o, "no type declarations for the unknown-field check"); continue; }
  walk(o, o, t, "");
}

// ---- 3. references --------------------------------------------------------
const byKind = (k) => objects.filter((o) => o.kind === k);
const named = (k, n) => objects.find((o) => o.kind === k && o.metadata.name === n);
const matches = (sel, labels) => sel && Object.entries(sel).every(([k, v]) => labels && labels[k] === v);
const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind));
const podLabelsOf = workloads.map((w) => ({ w, labels: (w.spec.template.metadata || {}).labels || {} }));

for (const w of workloads) {
  const sel = w.spec.selector && w.spec.selector.matchLabels;
  if (!matches(sel, w.spec.template.metadata.labels)) err(w, "selector does not match the pod template's labels");
  const pod = w.spec.template.spec;
  const vols = new Map((pod.volumes || []).map((v) => [v.name, v]));
  for (const t of w.spec.volumeClaimTemplates || []) vols.set(t.metadata.name, t);
  for (const v of pod.volumes || []) {
    if (v.secret && !named("Secret", v.secret.secretName) && !externalSecrets.has(v.secret.secretName)) err(w, `volume ${v.name}: Secret ${v.secret.secretName} is not rendered`);
    if (v.configMap && !named("ConfigMap", v.configMap.name)) err(w, `volume ${v.name}: ConfigMap ${v.configMap.name} is not rendered`);
    if (v.persistentVolumeClaim && !named("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) err(w, `volume ${v.name}: PVC ${v.persistentVolumeClaim.claimName} is not rendered`);
  }
  if (pod.serviceAccountName && pod.serviceAccountName !== "default" && !named("ServiceAccount", pod.serviceAccountName)) err(w, `ServiceAccount ${pod.serviceAccountName} is not rendered`);
  for (const c of [...(pod.initContainers || []), ...pod.containers]) {
    const ports = new Set((c.ports || []).map((p) => p.name).filter(Boolean));
    const portNums = new Set((c.ports || []).map((p) => p.containerPort));
    for (const m of c.volumeMounts || []) if (!vols.has(m.name)) err(w, `container ${c.name}: volumeMount ${m.name} names no volume`);
    for (const e of c.env || []) {
      const sk = e.valueFrom && e.valueFrom.secretKeyRef;
      if (sk) {
        const s = named("Secret", sk.name);
        if (!s && !externalSecrets.has(sk.name)) err(w, `env ${e.name}: Secret ${sk.name} is not rendered`);
        if (s && !(sk.key in (s.data || {})) && !(sk.key in (s.stringData || {}))) err(w, `env ${e.name}: Secret ${sk.name} has no key ${sk.key}`);
      }
      const ck = e.valueFrom && e.valueFrom.configMapKeyRef;
      if (ck) {
        const cm = named("ConfigMap", ck.name);
        if (!cm || !(ck.key in (cm.data || {}))) err(w, `env ${e.name}: ConfigMap ${ck.name} key ${ck.key} missing`);
      }
    }
    const names = (c.env || []).map((e) => e.name);
    const dup = names.filter((n, i) => names.indexOf(n) !== i);
    if (dup.length) err(w, `container ${c.name}: duplicate env ${dup.join(", ")}`);
    for (const pn of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const p = c[pn];
      const port = p && (p.httpGet || p.tcpSocket || {}).port;
      if (port === undefined) continue;
      if (typeof port === "string" ? !ports.has(port) : !portNums.has(port)) err(w, `container ${c.name}: ${pn} port ${port} is not a container port`);
    }
  }
  for (const cm of byKind("ConfigMap")) void cm;
}
for (const s of byKind("Service")) {
  const sel = s.spec.selector;
  if (!sel) continue;
  const pods = podLabelsOf.filter((p) => matches(sel, p.labels));
  if (!pods.length) { err(s, "selector matches no pod template"); continue; }
  for (const sp of s.spec.ports || []) {
    if (typeof sp.targetPort !== "string") continue;
    for (const p of pods) {
      const cps = p.w.spec.template.spec.containers.flatMap((c) => c.ports || []);
      if (!cps.some((cp) => cp.name === sp.targetPort)) err(s, `targetPort ${sp.targetPort} is not a port of ${p.w.kind}/${p.w.metadata.name}`);
    }
  }
}
for (const w of workloads.filter((x) => x.kind === "StatefulSet")) {
  const svc = named("Service", w.spec.serviceName);
  if (!svc) err(w, `serviceName ${w.spec.serviceName} is not rendered`);
}
for (const p of byKind("PodDisruptionBudget")) {
  if (!podLabelsOf.some((x) => matches(p.spec.selector.matchLabels, x.labels))) err(p, "selects no pods");
  if (p.spec.minAvailable !== undefined && p.spec.maxUnavailable !== undefined) err(p, "sets both minAvailable and maxUnavailable");
}
for (const h of byKind("HorizontalPodAutoscaler")) {
  const t = h.spec.scaleTargetRef;
  const target = named(t.kind, t.name);
  if (!target) { err(h, `scale target ${t.kind}/${t.name} is not rendered`); continue; }
  if (target.spec.replicas !== undefined) err(h, `target ${t.name} also sets replicas (the HPA and helm upgrades would fight)`);
  if (h.spec.minReplicas > h.spec.maxReplicas) err(h, "minReplicas > maxReplicas");
  for (const m of h.spec.metrics || []) {
    if (m.type !== "Resource") continue;
    const pods = target.spec.template.spec.containers;
    if (!pods.every((c) => c.resources && c.resources.requests && c.resources.requests[m.resource.name])) err(h, `a ${m.resource.name} target needs ${m.resource.name} requests on every container`);
  }
}
for (const np of byKind("NetworkPolicy")) {
  const sel = np.spec.podSelector.matchLabels;
  if (sel && !podLabelsOf.some((x) => matches(sel, x.labels))) err(np, "podSelector matches no pod template");
  for (const rule of np.spec.ingress || []) {
    for (const peer of rule.from || []) {
      if (peer.podSelector && !peer.namespaceSelector && peer.podSelector.matchLabels && !podLabelsOf.some((x) => matches(peer.podSelector.matchLabels, x.labels))) err(np, `a from.podSelector matches no pod of the release: ${JSON.stringify(peer.podSelector.matchLabels)}`);
    }
  }
}
for (const ing of byKind("Ingress")) {
  for (const r of ing.spec.rules || []) for (const p of (r.http || {}).paths || []) {
    const b = p.backend.service;
    const svc = named("Service", b.name);
    if (!svc) { err(ing, `backend Service ${b.name} is not rendered`); continue; }
    if (!svc.spec.ports.some((sp) => (b.port.name ? sp.name === b.port.name : sp.port === b.port.number))) err(ing, `backend port ${JSON.stringify(b.port)} is not a port of ${b.name}`);
  }
}
const seen = new Set();
for (const o of objects) {
  const k = `${o.kind}/${o.metadata.namespace || ""}/${o.metadata.name}`;
  if (seen.has(k)) err(o, "rendered twice");
  seen.add(k);
}

if (errors.length) {
  for (const e of errors) console.error(`  ${e}`);
  console.error(`${path.basename(file)}: ${errors.length} problem(s) in ${objects.length} objects`);
  process.exit(1);
}
console.log(`${path.basename(file)}: ${objects.length} objects valid (schemas, unknown fields, references)`);
