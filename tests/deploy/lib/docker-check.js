#!/usr/bin/env node
// Offline checks of deploy/docker: what no Docker engine here can prove by
// running it, checked against the files themselves.
//
//   docker-check.js dockerfile ROOT BIN_DIR
//       stages FROM debian:bookworm-slim; a target per binary plus `all`
//       (last, the default); services non-root with their binary as
//       ENTRYPOINT and its default port EXPOSEd and health-checked; the
//       build stage installs every -dev package deploy/install-deps.sh
//       builds with, and COPYs every source directory CMake adds.
//       The web UI: a `ui` stage (Debian's nodejs and npm) whose dist/ the
//       gateway and `all` images put where the gateway's compiled-in ui_dir
//       points; it COPYs everything the UI's build reads; .dockerignore
//       keeps host node_modules and build directories out of the context.
//   docker-check.js ui-stage ROOT WORK
//       runs the `ui` stage's COPY and RUN steps (all but apt-get) in WORK,
//       as the image build would, and checks the dist/ the images copy: an
//       index.html whose scripts and styles all exist.
//   docker-check.js compose ROOT FILE...
//       references resolve: build contexts, Dockerfiles and targets, named
//       volumes, bind-mount sources, depends_on services (and healthchecks
//       behind service_healthy), published ports unique; every service is
//       health-checked; the services' NATS and PostgreSQL URLs name services
//       of the file and match PostgreSQL's user, database and password; the
//       daemon is on the host network with NET_RAW/NET_ADMIN and Docker (the
//       socket read-only, or the proxy); required ${VAR:?} are in env.example.
"use strict";
const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const YAML = require("yaml");

const [mode, ROOT, ...rest] = process.argv.slice(2);
const errors = [];
const check = (cond, msg) => { if (!cond) errors.push(msg); return cond; };
const BINARIES = { gateway: "scanopy-gateway", fingerprint: "scanopy-fingerprint", topology: "scanopy-topology", scheduler: "scanopy-scheduler", daemon: "scanopy-daemon" };

// ---- Dockerfile ------------------------------------------------------------------
function parseDockerfile(file) {
  const text = fs.readFileSync(file, "utf8").replace(/\\\n/g, " ");
  const stages = [];
  const args = {};
  let cur = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [ins, ...restWords] = line.split(/\s+/);
    const rest = line.slice(ins.length).trim();
    const up = ins.toUpperCase();
    if (up === "ARG" && !cur) { const [k, v] = rest.split("="); args[k] = v; continue; }
    if (up === "FROM") {
      const m = rest.match(/^(\S+)(?:\s+AS\s+(\S+))?$/i);
      cur = { from: m[1], name: m[2], lines: [] };
      stages.push(cur);
      continue;
    }
    if (cur) cur.lines.push({ ins: up, rest, words: restWords });
  }
  return { stages, args };
}
function stageInstr(stages, name, ins) {
  // Instructions of a stage, following FROM <earlier stage> chains (last wins).
  const st = stages.find((s) => s.name === name);
  if (!st) return [];
  const base = stages.find((s) => s.name === st.from);
  return [...(base ? stageInstr(stages, base.name, ins) : []), ...st.lines.filter((l) => l.ins === ins)];
}
function dockerfileChecks(root, bin) {
  const file = path.join(root, "deploy/docker/Dockerfile");
  const { stages, args } = parseDockerfile(file);
  check(args.DEBIAN_IMAGE === "debian:bookworm-slim", `Dockerfile: DEBIAN_IMAGE defaults to ${args.DEBIAN_IMAGE}, not debian:bookworm-slim`);
  const names = stages.map((s) => s.name);
  for (const s of stages) check(s.from === "${DEBIAN_IMAGE}" || names.includes(s.from), `Dockerfile: stage ${s.name} is FROM ${s.from}`);
  for (const t of [...Object.keys(BINARIES), "all", "build"]) check(names.includes(t), `Dockerfile: no stage ${t}`);
  check(names[names.length - 1] === "all", "Dockerfile: `all` is not the last (default) stage");

  // Build stage: -dev packages and sources.
  const build = stages.find((s) => s.name === "build");
  const buildRun = build.lines.filter((l) => l.ins === "RUN").map((l) => l.rest).join(" ");
  const deps = fs.readFileSync(path.join(root, "deploy/install-deps.sh"), "utf8");
  const m = deps.match(/BUILD_PKGS="([^"]*)"/);
  if (check(m, "install-deps.sh: no BUILD_PKGS")) {
    const want = m[1].split(/\s+/).filter((p) => p && !/^(clang|clang-format|libclang-rt-.*)$/.test(p));
    for (const p of want) check(new RegExp(`(^|\\s)${p.replace(/[+.]/g, "\\$&")}(\\s|;|$)`).test(buildRun), `Dockerfile build stage does not install ${p} (install-deps.sh builds with it)`);
  }
  const copied = build.lines.filter((l) => l.ins === "COPY").map((l) => l.words[0]);
  const cmake = fs.readFileSync(path.join(root, "CMakeLists.txt"), "utf8");
  for (const [, dir] of cmake.matchAll(/^\s*add_subdirectory\(([\w-]+)/gm)) check(copied.includes(dir), `Dockerfile build stage does not COPY ${dir}/ (CMakeLists.txt adds it)`);
  for (const [, f] of cmake.matchAll(/include\((cmake\/[\w./-]+)\)/g)) check(copied.includes("cmake") || copied.includes(f), `Dockerfile build stage does not COPY ${f}`);

  // The fingerprint definitions: compiled-in path == where the images put them.
  const defDir = (buildRun.match(/-DFP_DEFINITIONS_DIR=(\S+)/) || [])[1];
  check(defDir === "/usr/share/scanopy/fingerprint", `Dockerfile: FP_DEFINITIONS_DIR is ${defDir}, not /usr/share/scanopy/fingerprint`);
  for (const t of ["fingerprint", "all"]) {
    check(stageInstr(stages, t, "COPY").some((l) => l.rest === "--from=build /out/share/scanopy /usr/share/scanopy"), `Dockerfile ${t}: does not ship the fingerprint definitions`);
    check(stageInstr(stages, t, "RUN").some((l) => /\bieee-data\b/.test(l.rest)), `Dockerfile ${t}: does not install ieee-data (MAC vendors)`);
  }

  uiStageChecks(root, stages, buildRun);

  // Runtime targets.
  for (const [target, binary] of Object.entries(BINARIES)) {
    const ep = stageInstr(stages, target, "ENTRYPOINT").pop();
    check(ep && JSON.parse(ep.rest)[0] === `/usr/local/bin/${binary}`, `Dockerfile ${target}: ENTRYPOINT is not /usr/local/bin/${binary}`);
    const copies = stageInstr(stages, target, "COPY").map((l) => l.rest);
    check(copies.some((c) => c.includes(`/out/bin/${binary}`)), `Dockerfile ${target}: does not copy ${binary}`);
    check(copies.some((c) => c.includes(`/out/deps/${binary}`)), `Dockerfile ${target}: does not install ${binary}'s runtime packages`);
    check(stageInstr(stages, target, "HEALTHCHECK").length, `Dockerfile ${target}: no HEALTHCHECK`);
    for (const r of stageInstr(stages, target, "RUN")) check(!/-dev\b/.test(r.rest), `Dockerfile ${target}: installs a -dev package at runtime`);
    if (target === "daemon") continue;
    const user = stageInstr(stages, target, "USER").pop();
    check(user && !/^(0|root)(:|$)/.test(user.rest), `Dockerfile ${target}: runs as root`);
    // The port the binary listens on by default is the one exposed and probed.
    const help = spawnSync(path.join(bin, binary), ["--help"], { encoding: "utf8" }).stdout || "";
    const pm = help.match(/--http-port\s+.*\(default: (\d+)\)/);
    if (check(pm, `${binary} --help shows no default http port`)) {
      const expose = stageInstr(stages, target, "EXPOSE").pop();
      check(expose && expose.words.includes(pm[1]), `Dockerfile ${target}: EXPOSE ${expose && expose.rest}, the binary listens on ${pm[1]}`);
      const hc = stageInstr(stages, target, "HEALTHCHECK").pop();
      check(hc.rest.includes(`:-${pm[1]}}/healthz`), `Dockerfile ${target}: HEALTHCHECK does not probe /healthz on ${pm[1]}`);
    }
    const env = stageInstr(stages, target, "ENV").map((l) => l.rest).join(" ");
    check(/SCANOPY_HTTP_BIND=0\.0\.0\.0/.test(env), `Dockerfile ${target}: SCANOPY_HTTP_BIND is not 0.0.0.0`);
  }
  return { stages };
}

// ---- the web UI ----------------------------------------------------------------------
const UI_DIR = "/usr/share/scanopy/ui";
// The COPY --from=ui source that the gateway and `all` put at UI_DIR.
function uiDist(stages, target) {
  const c = stageInstr(stages, target, "COPY").find((l) => l.words[0] === "--from=ui" && l.words[2] === UI_DIR);
  return c && c.words[1];
}
function uiStageChecks(root, stages, buildRun) {
  const ui = stages.find((s) => s.name === "ui");
  if (!check(ui, "Dockerfile: no ui stage (the web UI's build)")) return;
  const run = ui.lines.filter((l) => l.ins === "RUN").map((l) => l.rest).join(" ");
  for (const p of ["nodejs", "npm"]) check(new RegExp(`apt-get install[^&]*\\b${p}\\b`).test(run), `Dockerfile ui: does not install ${p}`);
  const dir = (buildRun.match(/-DSCANOPY_UI_DIR=(\S+)/) || [])[1];
  check(dir === UI_DIR, `Dockerfile build: SCANOPY_UI_DIR is ${dir}, not ${UI_DIR} (the gateway's default ui_dir)`);
  for (const t of ["gateway", "all"]) check(uiDist(stages, t), `Dockerfile ${t}: does not COPY --from=ui ... ${UI_DIR}`);
  // Every file of svc-gateway/ui the build reads is copied (not the host's
  // node_modules or dist), and the lock before the install.
  const copies = ui.lines.filter((l) => l.ins === "COPY" && !l.words[0].startsWith("--"));
  const sources = copies.flatMap((l) => l.words.slice(0, -1));
  const src = path.join(root, "svc-gateway/ui");
  for (const f of fs.readdirSync(src)) {
    if (["node_modules", "dist"].includes(f) || f.startsWith(".")) continue;
    check(sources.includes(`svc-gateway/ui/${f}`), `Dockerfile ui: does not COPY svc-gateway/ui/${f}`);
  }
  const idx = (pred) => ui.lines.findIndex(pred);
  const lockAt = idx((l) => l.ins === "COPY" && l.words.includes("svc-gateway/ui/package-lock.json"));
  const installAt = idx((l) => l.ins === "RUN" && /npm (ci|install)\b/.test(l.rest));
  check(lockAt >= 0 && installAt > lockAt, "Dockerfile ui: package-lock.json is not copied before npm installs");
  check(installAt >= 0 && !/npm install(?![^&]*--no-save)/.test(ui.lines[installAt].rest), "Dockerfile ui: npm install without --no-save (the lock must stay as it is)");
  const ignore = fs.existsSync(path.join(root, ".dockerignore")) ? fs.readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()) : [];
  for (const p of ["**/node_modules", "build*/"]) check(ignore.includes(p), `.dockerignore: does not list ${p}`);
}

// Runs the ui stage's steps in WORK: WORKDIR, COPY from the repository, RUN
// (apt-get lines are the packages the image installs: node and npm are here).
function uiStageRun(root, work) {
  const file = path.join(root, "deploy/docker/Dockerfile");
  const { stages } = parseDockerfile(file);
  const ui = stages.find((s) => s.name === "ui");
  if (!check(ui, "Dockerfile: no ui stage")) return;
  let cwd = work;
  for (const l of ui.lines) {
    if (l.ins === "WORKDIR") {
      cwd = path.join(work, l.rest);
      fs.mkdirSync(cwd, { recursive: true });
    } else if (l.ins === "COPY") {
      const words = l.words.filter((w) => !w.startsWith("--"));
      const dest = path.resolve(cwd, words[words.length - 1]);
      for (const s of words.slice(0, -1)) {
        const to = words.length > 2 || dest.endsWith("/") || words[words.length - 1].endsWith("/") ? path.join(dest, path.basename(s)) : dest;
        fs.cpSync(path.join(root, s), to, { recursive: true });
      }
    } else if (l.ins === "RUN") {
      if (/\bapt-get\b/.test(l.rest)) continue;
      console.log(`RUN ${l.rest}`);
      const r = spawnSync("sh", ["-ec", l.rest], { cwd, stdio: "inherit" });
      if (!check(r.status === 0, `Dockerfile ui: RUN ${l.rest} exited ${r.status}`)) return;
    }
  }
  const dist = uiDist(stages, "gateway");
  if (!check(dist, "Dockerfile gateway: no COPY --from=ui")) return;
  const out = path.join(work, dist);
  const index = path.join(out, "index.html");
  if (!check(fs.existsSync(index), `ui stage: no ${dist}/index.html`)) return;
  const html = fs.readFileSync(index, "utf8");
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  check(refs.some((r) => r.endsWith(".js")) && refs.some((r) => r.endsWith(".css")), `ui stage: index.html names no script or no style: ${refs.join(" ")}`);
  for (const r of refs) check(fs.existsSync(path.join(out, r)), `ui stage: index.html names ${r}, not built`);
  console.log(`ui stage: ${dist} has index.html and ${refs.length} assets it names`);
}

// ---- compose ---------------------------------------------------------------------
function composeChecks(root, files) {
  const { stages } = (() => { const f = path.join(root, "deploy/docker/Dockerfile"); return parseDockerfile(f); })();
  const envExample = fs.readFileSync(path.join(root, "deploy/docker/env.example"), "utf8");
  for (const file of files) {
    const dir = path.dirname(path.resolve(file));
    const name = path.basename(file);
    const text = fs.readFileSync(file, "utf8");
    const doc = YAML.parse(text, { merge: true });
    const services = doc.services || {};
    const named = Object.keys(doc.volumes || {});
    const hostPorts = new Set();
    for (const [, v] of text.matchAll(/\$\{(\w+):\?/g)) check(new RegExp(`^${v}=`, "m").test(envExample), `${name}: required variable ${v} is not in env.example`);
    const imageHealth = (svc) => svc.build && stageInstr(stages, svc.build.target, "HEALTHCHECK").length > 0;
    const envOf = (svc) => svc.environment || {};
    for (const [sn, svc] of Object.entries(services)) {
      const where = `${name} ${sn}`;
      check(svc.image, `${where}: no image`);
      if (svc.build) {
        const ctx = path.resolve(dir, svc.build.context || ".");
        check(fs.existsSync(path.join(ctx, "CMakeLists.txt")), `${where}: build context ${svc.build.context} is not the repository root`);
        const df = path.join(ctx, svc.build.dockerfile || "Dockerfile");
        check(fs.existsSync(df), `${where}: Dockerfile ${svc.build.dockerfile} does not exist`);
        check(stages.some((s) => s.name === svc.build.target), `${where}: build target ${svc.build.target} is not a Dockerfile stage`);
      }
      for (const v of svc.volumes || []) {
        const [src, , opt] = v.split(":");
        if (src.startsWith(".") ) check(fs.existsSync(path.resolve(dir, src)), `${where}: bind source ${src} does not exist`);
        else if (src.startsWith("/")) check(src === "/var/run/docker.sock", `${where}: unexpected host path ${src}`);
        else check(named.includes(src), `${where}: volume ${src} is not declared`);
        if (src === "/var/run/docker.sock") check(opt === "ro", `${where}: the Docker socket is not mounted read-only`);
      }
      for (const [dep, cond] of Object.entries(Array.isArray(svc.depends_on) ? Object.fromEntries(svc.depends_on.map((d) => [d, {}])) : svc.depends_on || {})) {
        check(services[dep], `${where}: depends on unknown service ${dep}`);
        if (services[dep] && cond.condition === "service_healthy") check(services[dep].healthcheck || imageHealth(services[dep]), `${where}: waits for ${dep} to be healthy, which has no healthcheck`);
      }
      check(svc.healthcheck || imageHealth(svc), `${where}: no healthcheck`);
      if (svc.network_mode === "host") check(!svc.ports, `${where}: host network with published ports`);
      for (const p of svc.ports || []) {
        const parts = String(p).split(":");
        const hp = parts.length === 3 ? `${parts[0]}:${parts[1]}` : parts.length === 2 ? parts[0] : parts[0];
        check(!hostPorts.has(hp), `${where}: host port ${hp} published twice`);
        hostPorts.add(hp);
      }
      const env = envOf(svc);
      const binary = BINARIES[sn];
      if (binary && sn !== "daemon") {
        check(svc.read_only === true && (svc.cap_drop || []).includes("ALL"), `${where}: not read-only with all capabilities dropped`);
        check(env.SCANOPY_HTTP_BIND === "0.0.0.0", `${where}: SCANOPY_HTTP_BIND is not 0.0.0.0`);
        const test = (svc.healthcheck || {}).test || [];
        check(test.join(" ").includes(`127.0.0.1:${env.SCANOPY_HTTP_PORT}/healthz`), `${where}: healthcheck does not probe /healthz on SCANOPY_HTTP_PORT ${env.SCANOPY_HTTP_PORT}`);
        for (const p of svc.ports || []) check(String(p).endsWith(`:${env.SCANOPY_HTTP_PORT}`), `${where}: publishes ${p}, the service listens on ${env.SCANOPY_HTTP_PORT}`);
      }
      // NATS URL: a service of this file, or the host's loopback for a host-network service.
      if (env.SCANOPY_NATS_URL) {
        const u = new URL(env.SCANOPY_NATS_URL);
        const nats = services[u.hostname];
        if (svc.network_mode === "host") {
          check(u.hostname === "127.0.0.1" && Object.values(services).some((s) => (s.ports || []).includes(`127.0.0.1:${u.port}:4222`)), `${where}: ${env.SCANOPY_NATS_URL} is not a NATS port published on the host's loopback`);
        } else {
          check(nats && /(^|\s)(-js|--jetstream)(\s|$)/.test([].concat(nats.command || []).join(" ")), `${where}: ${env.SCANOPY_NATS_URL} is not a JetStream NATS service of this file`);
          check(u.port === "4222", `${where}: NATS port ${u.port}`);
        }
      }
      if (env.SCANOPY_DATABASE_URL) {
        const u = new URL(env.SCANOPY_DATABASE_URL);
        const pg = services[u.hostname];
        if (check(pg, `${where}: database host ${u.hostname} is not a service`)) {
          const pe = envOf(pg);
          check(decodeURIComponent(u.username) === pe.POSTGRES_USER && u.pathname.slice(1) === pe.POSTGRES_DB, `${where}: database URL user/db differ from ${u.hostname}'s POSTGRES_USER/POSTGRES_DB`);
          check(env.PGPASSWORD && env.PGPASSWORD === pe.POSTGRES_PASSWORD, `${where}: PGPASSWORD is not ${u.hostname}'s POSTGRES_PASSWORD`);
        }
        check((svc.depends_on || {})[u.hostname], `${where}: does not wait for ${u.hostname}`);
      }
    }
    // The daemon.
    const d = services.daemon;
    if (check(d, `${name}: no daemon service`)) {
      const env = envOf(d);
      check(d.network_mode === "host", `${name} daemon: not on the host network`);
      check(["NET_RAW", "NET_ADMIN"].every((c) => (d.cap_add || []).includes(c)) && (d.cap_drop || []).includes("ALL"), `${name} daemon: not NET_RAW/NET_ADMIN with everything else dropped`);
      check(env.SCANOPY_MODE === "integrated" && env.SCANOPY_ORG_ID && env.SCANOPY_NETWORK_ID, `${name} daemon: integrated settings missing`);
      const sock = (d.volumes || []).some((v) => v.startsWith("/var/run/docker.sock:"));
      if (env.SCANOPY_DOCKER_PROXY) {
        check(!sock, `${name} daemon: has both the socket and a proxy`);
        const u = new URL(env.SCANOPY_DOCKER_PROXY);
        const proxy = Object.entries(services).find(([, s]) => (s.ports || []).includes(`127.0.0.1:${u.port}:${u.port}`));
        if (check(proxy, `${name} daemon: nothing publishes the proxy port ${u.port} on the host's loopback`)) {
          const [pn, ps] = proxy;
          check((ps.volumes || []).includes("/var/run/docker.sock:/var/run/docker.sock:ro"), `${name} ${pn}: does not mount the Docker socket`);
          const cfg = (ps.volumes || []).find((v) => v.includes("haproxy.cfg"));
          if (check(cfg, `${name} ${pn}: no haproxy.cfg mounted`)) {
            const cfgText = fs.readFileSync(path.resolve(dir, cfg.split(":")[0]), "utf8");
            check(new RegExp(`bind :${u.port}\\b`).test(cfgText), `${name} ${pn}: haproxy.cfg does not listen on ${u.port}`);
          }
          check((d.depends_on || {})[pn], `${name} daemon: does not wait for ${pn}`);
        }
      } else check(sock, `${name} daemon: neither the Docker socket nor a proxy`);
    }
  }
}

if (mode === "dockerfile") dockerfileChecks(ROOT, rest[0]);
else if (mode === "compose") composeChecks(ROOT, rest);
else if (mode === "ui-stage") uiStageRun(ROOT, rest[0]);
else { console.error("usage: docker-check.js dockerfile ROOT BIN | ui-stage ROOT WORK | compose ROOT FILE..."); process.exit(2); }
if (errors.length) {
  for (const e of errors) console.error(`  ${e}`);
  console.error(`${mode}: ${errors.length} problem(s)`);
  process.exit(1);
}
console.log(`${mode}: ok`);
