#!/usr/bin/env node
// Runs a rendered chart's processes on this machine, as Kubernetes would run
// them, to prove the chart's wiring is real:
//
//   - the NATS StatefulSet's servers, each with its pod's command, args and
//     environment, the rendered nats.conf from the ConfigMap and its volumes
//     as local directories; only listen addresses and the routes' in-cluster
//     host names become 127.0.0.1 ports, so the 3-node JetStream cluster forms
//     from the chart's own configuration;
//   - every service Deployment, as many replicas as the HPA minimum (or
//     `replicas`), with the container's exact command, args and environment
//     (Secrets resolved from the manifest or from --secrets fixtures, fieldRefs
//     and $(VAR) references expanded), with in-cluster host names rewritten to
//     the local servers and the HTTP port moved to a free local one;
//   - the daemon, if rendered, checked with its own liveness probe command.
//
// Every service must answer its readiness probe (GET /healthz) with 200, the
// streams must exist with the replicas the chart asks for, and every process
// must exit cleanly on SIGTERM within its grace period.
//
// usage: smoke.js MANIFEST --bin DIR --work DIR --pg-port N --port-base N
//                 [--secrets FILE] [--map HOST:PORT]... [--max-replicas N]
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const YAML = require("yaml");

// ---- arguments -------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = { maps: [], secrets: [], maxReplicas: 3 };
opt.manifest = argv[0];
for (let i = 1; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--bin") opt.bin = argv[++i];
  else if (a === "--work") opt.work = argv[++i];
  else if (a === "--pg-port") opt.pgPort = Number(argv[++i]);
  else if (a === "--port-base") opt.portBase = Number(argv[++i]);
  else if (a === "--secrets") opt.secrets.push(argv[++i]);
  else if (a === "--map") opt.maps.push(argv[++i]); // external HOST:PORT that is the database
  else if (a === "--max-replicas") opt.maxReplicas = Number(argv[++i]);
  else throw new Error(`unknown argument ${a}`);
}
const T0 = Date.now();
const log = (m) => console.log(`  [${((Date.now() - T0) / 1000).toFixed(1)}s] ${m}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
fs.rmSync(opt.work, { recursive: true, force: true });
fs.mkdirSync(opt.work, { recursive: true });

// ---- manifest --------------------------------------------------------------
const load = (f) => YAML.parseAllDocuments(fs.readFileSync(f, "utf8")).map((d) => d.toJS()).filter(Boolean);
const objects = load(opt.manifest);
const comp = (o) => (o.metadata.labels || {})["app.kubernetes.io/component"];
const named = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const secrets = new Map();
for (const s of [...objects.filter((o) => o.kind === "Secret"), ...opt.secrets.flatMap(load)]) {
  const data = {};
  for (const [k, v] of Object.entries(s.data || {})) data[k] = Buffer.from(v, "base64").toString();
  Object.assign(data, s.stringData || {});
  secrets.set(s.metadata.name, data);
}
const matches = (sel, labels) => sel && Object.entries(sel).every(([k, v]) => labels && labels[k] === v);

// ---- processes ---------------------------------------------------------------
const procs = [];
function start(name, cmd, args, env) {
  const out = fs.openSync(path.join(opt.work, `${name}.log`), "a");
  const p = spawn(cmd, args, { env, stdio: ["ignore", out, out], detached: true });
  const rec = { name, p, exited: null };
  p.on("exit", (code, signal) => { rec.exited = { code, signal }; });
  procs.push(rec);
  return rec;
}
function killAll() {
  for (const r of procs) if (!r.exited) { try { process.kill(-r.p.pid, "SIGKILL"); } catch (e) { /* gone */ } }
}
process.on("exit", killAll);
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));
function fail(msg) {
  console.error(`  FAIL: ${msg}`);
  for (const r of procs) {
    const f = path.join(opt.work, `${r.name}.log`);
    const tail = fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").slice(-6).join("\n      ") : "";
    console.error(`    ${r.name}${r.exited ? ` (exited ${JSON.stringify(r.exited)})` : ""}:\n      ${tail}`);
  }
  console.error(`  FAIL: ${msg}`); // again, so a log cut to its tail still says why
  process.exit(1);
}
async function httpGet(url, timeoutMs = 2000) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: r.status, text: await r.text() };
  } catch (e) { return { status: 0, text: String(e) }; }
}
async function waitFor(what, seconds, fn) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last === true) return;
    await sleep(200);
  }
  fail(`${what} within ${seconds} s (last: ${last})`);
}

// ---- pod emulation -------------------------------------------------------------
// Volumes become directories under the pod's work dir; every string naming a
// mount path (args, env values, config files) is rewritten to the directory.
function podMounts(pod, container, podDir) {
  const vols = new Map((pod.spec.volumes || []).map((v) => [v.name, v]));
  const mounts = [];
  for (const m of container.volumeMounts || []) {
    if (m.mountPath === "/var/run/docker.sock") continue; // no Docker socket here; the daemon copes
    const dir = path.join(podDir, "mnt", m.name);
    fs.mkdirSync(dir, { recursive: true });
    const v = vols.get(m.name);
    if (v && v.configMap) {
      const cm = named("ConfigMap", v.configMap.name);
      if (!cm) fail(`ConfigMap ${v.configMap.name} is not rendered`);
      for (const [k, text] of Object.entries(cm.data || {})) fs.writeFileSync(path.join(dir, k), text);
    }
    if (v && v.secret) {
      const s = secrets.get(v.secret.secretName) || fail(`Secret ${v.secret.secretName} unknown`);
      // The volume's defaultMode, as the kubelet sets it (the gateway
      // refuses a key file others can read).
      const mode = v.secret.defaultMode === undefined ? 0o644 : v.secret.defaultMode;
      for (const [k, text] of Object.entries(s)) fs.writeFileSync(path.join(dir, k), text, { mode });
    }
    mounts.push({ from: m.mountPath, to: dir });
  }
  return mounts.sort((a, b) => b.from.length - a.from.length);
}
const reEscape = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
function rewritePaths(s, mounts) {
  // One pass, longest mount path first, so a rewritten path is never
  // rewritten again by a shorter mount (/tmp).
  if (!mounts.length) return s;
  const re = new RegExp(`(?<![\\w.-])(${mounts.map((m) => reEscape(m.from)).join("|")})(?=/|\\b|$)`, "g");
  return s.replace(re, (all) => mounts.find((m) => m.from === all).to);
}
// Environment as the kubelet builds it: values in order, $(VAR) expanded from
// earlier entries, secretKeyRef, configMapKeyRef and fieldRef resolved.
function podEnv(container, podName, namespace) {
  const env = {};
  for (const e of container.env || []) {
    let v;
    if (e.value !== undefined) v = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, n) => (n in env ? env[n] : all)).replace(/\$\$/g, "$");
    else if (e.valueFrom && e.valueFrom.secretKeyRef) {
      const r = e.valueFrom.secretKeyRef, s = secrets.get(r.name);
      if (!s || !(r.key in s)) { if (r.optional) continue; fail(`env ${e.name}: Secret ${r.name} key ${r.key} is not available`); }
      v = s[r.key];
    } else if (e.valueFrom && e.valueFrom.configMapKeyRef) {
      const r = e.valueFrom.configMapKeyRef, cm = named("ConfigMap", r.name);
      v = cm && cm.data[r.key];
    } else if (e.valueFrom && e.valueFrom.fieldRef) {
      const f = e.valueFrom.fieldRef.fieldPath;
      v = f === "metadata.name" ? podName : f === "metadata.namespace" ? namespace : f === "spec.nodeName" ? os.hostname() : fail(`fieldRef ${f} not emulated`);
    } else fail(`env ${e.name}: unsupported source`);
    env[e.name] = v;
  }
  return env;
}
// In-cluster host:port -> local host:port.
const hostMap = [];
function mapService(svc, port, local) {
  const ns = svc.metadata.namespace, n = svc.metadata.name;
  for (const h of [`${n}.${ns}.svc.cluster.local`, `${n}.${ns}.svc`, `${n}.${ns}`, n]) hostMap.push([`${h}:${port}`, local]);
}
function rewriteHosts(s) {
  for (const [from, to] of hostMap) s = s.split(new RegExp(`(?<=[/@,])${reEscape(from)}(?=[/?,]|$)`)).join(to);
  return s;
}
function baseEnv() {
  return { PATH: process.env.PATH, HOME: opt.work, LANG: "C.UTF-8" };
}

// ---- the run -------------------------------------------------------------------
(async () => {
  let nextPort = opt.portBase;
  const ns = (objects.find((o) => o.metadata.namespace) || { metadata: { namespace: "default" } }).metadata.namespace;

  // 1. NATS: the StatefulSet's servers from the rendered configuration.
  const sts = objects.find((o) => o.kind === "StatefulSet" && comp(o) === "nats");
  if (!sts) fail("no NATS StatefulSet rendered");
  const n = sts.spec.replicas;
  const nc = sts.spec.template.spec.containers[0];
  const cport = (name) => nc.ports.find((p) => p.name === name).containerPort;
  const local = [...Array(n).keys()].map(() => ({ client: nextPort++, cluster: nextPort++, monitor: nextPort++ }));
  const headless = sts.spec.serviceName;
  const natsNodes = [];
  for (let i = 0; i < n; i++) {
    const podName = `${sts.metadata.name}-${i}`;
    const podDir = path.join(opt.work, podName);
    const mounts = podMounts(sts.spec.template, nc, podDir);
    // Rewrite the mounted configuration: listen addresses, routes, paths.
    for (const m of mounts) {
      for (const f of fs.readdirSync(m.to)) {
        const p = path.join(m.to, f);
        if (!fs.statSync(p).isFile()) continue;
        let t = fs.readFileSync(p, "utf8");
        for (const k of ["client", "cluster", "monitor"]) t = t.split(`0.0.0.0:${cport(k)}`).join(`127.0.0.1:${local[i][k]}`);
        for (let j = 0; j < n; j++) t = t.split(`${sts.metadata.name}-${j}.${headless}.${ns}.svc.cluster.local:${cport("cluster")}`).join(`127.0.0.1:${local[j].cluster}`);
        fs.writeFileSync(p, rewritePaths(t, mounts));
      }
    }
    const env = { ...baseEnv(), ...podEnv(nc, podName, ns) };
    const args = [...(nc.command || []).slice(1), ...(nc.args || [])].map((a) => rewritePaths(a, mounts));
    natsNodes.push({ podName, rec: start(podName, nc.command[0], args, env), local: local[i] });
  }
  const probePath = (c, which) => (c[which] && c[which].httpGet && c[which].httpGet.path) || "/healthz";
  await waitFor("the NATS cluster ready (readiness probe)", 60, async () => {
    for (const node of natsNodes) {
      if (node.rec.exited) fail(`${node.podName} exited`);
      const r = await httpGet(`http://127.0.0.1:${node.local.monitor}${probePath(nc, "readinessProbe")}`);
      if (r.status !== 200) return `${node.podName}: ${r.status} ${r.text.slice(0, 120)}`;
    }
    return true;
  });
  log(`NATS: ${n} servers from the rendered nats.conf are ready (client ports ${local.map((l) => l.client).join(",")})`);
  // The file store limit of the rendered configuration is what the server uses.
  const conf = fs.readFileSync(path.join(opt.work, natsNodes[0].podName, "mnt", "config", "nats.conf"), "utf8");
  const lim = conf.match(/max_file_store:\s*(\d+)([KMGT])i?B?/);
  const varz = JSON.parse((await httpGet(`http://127.0.0.1:${local[0].monitor}/varz`)).text);
  if (!lim || varz.jetstream.config.max_storage !== Number(lim[1]) * 1024 ** (" KMGT".indexOf(lim[2]))) fail(`JetStream max_storage ${varz.jetstream.config.max_storage} is not the configured ${lim && lim[0]}`);
  // With auth on, a client without the password is refused.
  if (/authorization\s*\{/.test(conf)) {
    const net = require("net");
    const reply = await new Promise((resolve) => {
      let buf = "";
      const sock = net.connect(local[0].client, "127.0.0.1", () => sock.write('CONNECT {"verbose":false}\r\nPING\r\n'));
      sock.on("data", (d) => { buf += d; if (/-ERR|PONG/.test(buf)) { sock.destroy(); resolve(buf); } });
      sock.on("error", () => resolve(buf));
      setTimeout(() => { sock.destroy(); resolve(buf); }, 3000);
    });
    if (!/-ERR 'Authorization Violation'/.test(reply)) fail(`NATS accepted a client without credentials: ${reply.slice(0, 200)}`);
    log("NATS refuses a client without the password");
  }
  log(`NATS: JetStream file store limit ${lim[0]} is in force`);
  const natsClient = objects.find((o) => o.kind === "Service" && comp(o) === "nats" && o.spec.clusterIP !== "None");
  mapService(natsClient, natsClient.spec.ports.find((p) => p.name === "client").port, `127.0.0.1:${local[0].client}`);

  // 2. PostgreSQL: the in-cluster Service (if rendered) and --map'ed hosts are the local server.
  const pgSvc = objects.find((o) => o.kind === "Service" && comp(o) === "postgresql");
  if (pgSvc) mapService(pgSvc, pgSvc.spec.ports[0].port, `127.0.0.1:${opt.pgPort}`);
  for (const m of opt.maps) hostMap.push([m, `127.0.0.1:${opt.pgPort}`]);

  // 3. The services.
  const deployments = objects.filter((o) => ["Deployment", "DaemonSet"].includes(o.kind) && comp(o) !== "daemon");
  const plans = [];
  const dbs = new Map();
  for (const d of deployments) {
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.spec.scaleTargetRef.name === d.metadata.name);
    const want = hpa ? hpa.spec.minReplicas : d.spec.replicas === undefined ? 1 : d.spec.replicas;
    const replicas = Math.min(want, opt.maxReplicas);
    const c = d.spec.template.spec.containers[0];
    const http = c.ports.find((p) => p.name === "http");
    if (!c.command || !c.command[0].startsWith("/usr/local/bin/")) fail(`${d.metadata.name}: command ${c.command} is not an installed binary`);
    for (let r = 0; r < replicas; r++) {
      const podName = `${d.metadata.name}-smoke-${r}`;
      const mounts = podMounts(d.spec.template, c, path.join(opt.work, podName));
      const env = podEnv(c, podName, ns);
      for (const k of Object.keys(env)) env[k] = rewritePaths(rewriteHosts(env[k]), mounts);
      const port = nextPort++;
      if (env.SCANOPY_HTTP_PORT !== String(http.containerPort)) fail(`${d.metadata.name}: SCANOPY_HTTP_PORT ${env.SCANOPY_HTTP_PORT} is not the container port ${http.containerPort}`);
      env.SCANOPY_HTTP_PORT = String(port); // the one change: a free local port instead of the pod's own IP
      const args = (c.args || []).map((a) => rewritePaths(rewriteHosts(a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, v) => (v in env ? env[v] : all))), mounts));
      const cmd = path.join(opt.bin, path.basename(c.command[0]));
      if (env.SCANOPY_DATABASE_URL) dbs.set(env.SCANOPY_DATABASE_URL, true);
      for (const v of Object.values(env)) if (/\.svc(\.cluster\.local)?[:/]/.test(v)) fail(`${podName}: ${v} still names an in-cluster host`);
      plans.push({ d, c, podName, port, cmd, args, env, grace: d.spec.template.spec.terminationGracePeriodSeconds || 30 });
    }
    log(`${d.metadata.name}: ${replicas} replica(s) of ${path.basename(c.command[0])}${want > replicas ? ` (HPA/replicas ask ${want})` : ""}`);
  }

  // The database the URLs name, with the privileges docs/deployment.md asks
  // for (owner of the database, CREATEROLE for the scanopy_tenant role).
  for (const url of dbs.keys()) {
    const u = new URL(url);
    const user = decodeURIComponent(u.username || "postgres"), db = u.pathname.slice(1);
    if (`${u.hostname}:${u.port}` !== `127.0.0.1:${opt.pgPort}`) fail(`database URL ${url} does not reach the local PostgreSQL`);
    const psql = (sql, dbname = "postgres") => {
      const r = spawnSync("psql", ["-h", "127.0.0.1", "-p", String(opt.pgPort), "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" });
      if (r.status !== 0) fail(`psql: ${r.stderr}`);
      return r.stdout.trim();
    };
    if (!psql(`SELECT 1 FROM pg_roles WHERE rolname = '${user}'`)) psql(`CREATE ROLE "${user}" LOGIN CREATEROLE`);
    psql(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    psql(`CREATE DATABASE "${db}" OWNER "${user}"`);
    log(`database ${db} (owner ${user}) created for ${url.replace(/:[^:@/]*@/, ":***@")}`);
  }

  // Start every replica at once: migrations race under the advisory lock,
  // consumers are created concurrently, as in a real rollout.
  for (const p of plans) p.rec = start(p.podName, p.cmd, p.args, { ...baseEnv(), ...p.env });
  await waitFor("every service healthy on its readiness probe", 90, async () => {
    for (const p of plans) {
      if (p.rec.exited) fail(`${p.podName} exited ${JSON.stringify(p.rec.exited)}`);
      const r = await httpGet(`http://127.0.0.1:${p.port}${probePath(p.c, "readinessProbe")}`);
      if (r.status !== 200) return `${p.podName}: ${r.status} ${r.text.slice(0, 160)}`;
    }
    return true;
  });
  log(`all ${plans.length} service processes answer 200 on /healthz`);
  for (const p of plans) {
    const m = await httpGet(`http://127.0.0.1:${p.port}/metrics`);
    const badLine = m.text.split("\n").find((l) => l && !/^# (HELP|TYPE) /.test(l) && !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEaInNf]+( [0-9]+)?$/.test(l));
    if (m.status !== 200 || badLine !== undefined) fail(`${p.podName}: /metrics is not Prometheus text (${m.status}): ${badLine}`);
    const l = await httpGet(`http://127.0.0.1:${p.port}${probePath(p.c, "livenessProbe")}`);
    if (l.status !== 200) fail(`${p.podName}: liveness probe ${l.status}`);
  }
  log("every /metrics is Prometheus text and every liveness probe passes");

  // The streams exist with the replicas the chart asks for, on every server.
  const wantReplicas = Number(plans[0].env.SCANOPY_NATS_REPLICAS);
  await waitFor(`streams with ${wantReplicas} replicas`, 30, async () => {
    const r = await httpGet(`http://127.0.0.1:${local[0].monitor}/jsz?accounts=true&streams=true&config=true`);
    if (r.status !== 200) return `jsz ${r.status}`;
    const j = JSON.parse(r.text);
    const streams = (j.account_details || []).flatMap((a) => a.stream_detail || []);
    for (const s of ["OBS_RAW", "OBS_CLASSIFIED"]) {
      const st = streams.find((x) => x.name === s);
      if (!st) return `no stream ${s}`;
      if (st.config.num_replicas !== wantReplicas) return `${s} has ${st.config.num_replicas} replicas`;
      if (wantReplicas > 1 && (!st.cluster || (st.cluster.replicas || []).length !== wantReplicas - 1)) return `${s} has not all its peers yet`;
    }
    return true;
  });
  log(`streams OBS_RAW and OBS_CLASSIFIED have ${wantReplicas} replica(s) in the cluster`);

  // Every gateway replica has the key for secrets at rest from the Secret.
  for (const p of plans.filter((x) => x.podName.includes("gateway"))) {
    const text = fs.readFileSync(path.join(opt.work, `${p.podName}.log`), "utf8");
    if (/SNMP credentials cannot be stored/.test(text)) fail(`${p.podName} has no usable secret key: ${text.split("\n").find((l) => /secret key/.test(l))}`);
  }
  log("every gateway replica reads the key for secrets at rest from the Secret");

  // 4. The daemon, if rendered: its liveness probe command must succeed, and
  // its self-report must flow daemon -> fingerprint -> topology -> PostgreSQL.
  const daemon = objects.find((o) => ["DaemonSet", "Deployment"].includes(o.kind) && comp(o) === "daemon");
  if (daemon) {
    const c = daemon.spec.template.spec.containers[0];
    const podName = `${daemon.metadata.name}-smoke`;
    const mounts = podMounts(daemon.spec.template, c, path.join(opt.work, podName));
    const env = podEnv(c, podName, ns);
    for (const k of Object.keys(env)) env[k] = rewritePaths(rewriteHosts(env[k]), mounts);
    const cmd = path.join(opt.bin, path.basename(c.command[0]));
    const rec = start(podName, cmd, (c.args || []).map((a) => rewritePaths(a, mounts)), { ...baseEnv(), ...env });
    const probe = c.livenessProbe.exec.command.map((a) => rewritePaths(a, mounts));
    probe[0] = path.join(opt.bin, path.basename(probe[0]));
    let status = "";
    await waitFor("the daemon's liveness probe", 30, async () => {
      if (rec.exited) fail(`${podName} exited`);
      const r = spawnSync(probe[0], probe.slice(1), { encoding: "utf8", env: { ...baseEnv(), ...env } });
      status = r.stdout.trim();
      return r.status === 0 ? true : `rc ${r.status} ${status} ${r.stderr}`;
    });
    log(`daemon: liveness probe passes: ${status}`);
    const gw = plans.find((p) => p.env.SCANOPY_DATABASE_URL);
    const orgId = env.SCANOPY_ORG_ID;
    await waitFor("the daemon's self-report in the inventory", 30, async () => {
      const r = spawnSync("psql", [gw.env.SCANOPY_DATABASE_URL.replace(/^postgresql:\/\/[^@]*@/, "postgresql://postgres@"), "-qAtc", `SELECT count(*) FROM inv.batches WHERE org_id = '${orgId}'`], { encoding: "utf8" });
      return r.status === 0 && Number(r.stdout.trim()) > 0 ? true : `${r.stdout.trim()} ${r.stderr.trim()}`;
    });
    log("daemon: its self-report went through fingerprint and topology into PostgreSQL");
    plans.push({ podName, rec, grace: daemon.spec.template.spec.terminationGracePeriodSeconds || 30 });
  }

  // 5. SIGTERM: every process exits 0 within its grace period.
  for (const p of plans) process.kill(p.rec.p.pid, "SIGTERM");
  await waitFor("every process to exit after SIGTERM", Math.max(...plans.map((p) => p.grace)), async () => (plans.every((p) => p.rec.exited) ? true : plans.filter((p) => !p.rec.exited).map((p) => p.podName).join(",")));
  const bad = plans.filter((p) => p.rec.exited.code !== 0);
  if (bad.length) fail(`unclean exit: ${bad.map((p) => `${p.podName} ${JSON.stringify(p.rec.exited)}`).join(", ")}`);
  log(`all ${plans.length} processes exited 0 on SIGTERM`);
  for (const node of natsNodes) process.kill(node.rec.p.pid, "SIGTERM");
  await waitFor("NATS to stop", 15, async () => natsNodes.every((x) => x.rec.exited) || "running");
  console.log(`smoke ${path.basename(opt.manifest)}: ok in ${((Date.now() - T0) / 1000).toFixed(1)} s`);
})().catch((e) => fail(e.stack || String(e)));
