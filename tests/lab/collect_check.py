#!/usr/bin/env python3
"""The daemon's SNMP and Docker collection (scanopy-collect) against the lab,
compared with truth.json. Run inside the scanner namespace by collect_e2e:

  collect_check.py BIN_DIR WORK_DIR

Checks: every switch's LLDP neighbours (lldpd on both ends) on the right
ports, every cabled MAC in the right switch's FDB on the right port, the
router's ARP table (subnet B, which the scanner cannot see at L2) and its own
addresses, v2c and the v3-only agent (authPriv) both read, a wrong community
and a wrong v3 key refused with a clear error and nothing emitted, and every
podman container, network and published port found directly, through an
HTTPS allow-list proxy with a client certificate, and through a proxy that
denies EXEC (containers still reported, skipped probes named), with an HTTP
service inside an unpublished container identified through exec.
Prints one ok/FAIL line per check and a summary; exit 1 on any failure.
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

BIN, WORK = sys.argv[1], sys.argv[2]
ROOT = os.path.dirname(os.path.abspath(__file__))
TRUTH = json.load(open(os.path.join(ROOT, "truth.json")))
DOCKER = "10.77.2.13:2375"
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   - {name}")
    else:
        failed += 1
        print(f"FAIL - {name}" + (f": {detail}" if detail else ""))


def collect(args, creds=None):
    cmd = [os.path.join(BIN, "scanopy-collect")] + args
    if creds is not None:
        path = os.path.join(WORK, "creds.json")
        with open(path, "w") as f:
            json.dump(creds, f)
        os.chmod(path, 0o600)
        cmd[2:2] = ["--credentials", path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    obs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, obs, p.stderr


def kind(obs, k, dev=None):
    return [o[k] for o in obs if k in o and (dev is None or o[k].get("device_ip", o[k].get("ip")) == dev)]


short = lambda n: (n or "").split(".")[0]
hosts = {h["hostname"]: h for h in TRUTH["hosts"]}
snmp_hosts = []
creds = []
for h in TRUTH["hosts"]:
    for s in h["services"]:
        a = s.get("snmp")
        if not a:
            continue
        snmp_hosts.append((h["hostname"], s["ip"], a))
        if a["version"] == "3":
            creds.append({"version": "v3", "username": a["user"], "auth_protocol": a["auth_protocol"],
                          "auth_key": a["auth_password"], "priv_protocol": a["priv_protocol"],
                          "priv_key": a["priv_password"], "scope": [s["ip"]]})
        else:
            creds.append({"version": "v2c", "community": a["community"], "scope": [s["ip"] + "/32"]})
ips = [ip for _, ip, _ in snmp_hosts]

# --- SNMP, right credentials ------------------------------------------------
t0 = time.time()
rc, obs, err = collect(["snmp"] + ips, creds)
wall = time.time() - t0
check(f"SNMP: all {len(ips)} agents answered (v2c and v3) in {wall:.2f} s",
      rc == 0 and all(any(s["ip"] == ip for s in kind(obs, "snmp_system")) for ip in ips), err[-800:])
names = {s["ip"]: s["sys_name"] for s in kind(obs, "snmp_system")}
for name, ip, a in snmp_hosts:
    check(f"SNMP {'v3 authPriv' if a['version'] == '3' else 'v2c'}: {name} ({ip}) says sysName {name}",
          short(names.get(ip)) == name, names.get(ip))
mon = [s for s in kind(obs, "snmp_system") if s["ip"] == hosts["mon1"]["interfaces"][0]["ip"]]
check("SNMPv3: mon1's engine id is reported", bool(mon and mon[0]["engine_id"]))

# LLDP: each switch end of a link where both ends run lldpd
for sw in TRUTH["switches"]:
    ip = sw["mgmt_ip"]
    nbrs = kind(obs, "neighbor", ip)
    check(f"{sw['hostname']}: local chassis id {sw['lldp_chassis_id']}",
          any(s["ip"] == ip and s["chassis_id"] == sw["lldp_chassis_id"] for s in kind(obs, "snmp_system")))
    for l in TRUTH["links"]:
        if not l["lldp"]:
            continue
        for me, peer in ((l["a"], l["b"]), (l["b"], l["a"])):
            if me["device"] != sw["hostname"]:
                continue
            pmac = next((i.get("mac") for i in hosts.get(peer["device"], {}).get("interfaces", [])
                         if i["name"] == peer["port"]), None)
            hit = [n for n in nbrs if n.get("local_port") == me["port"]
                   and short(n.get("remote_sys_name")) == peer["device"]
                   and peer["port"] in (n.get("remote_port_id"), n.get("remote_port_descr"))
                   or (n.get("local_port") == me["port"] and short(n.get("remote_sys_name")) == peer["device"]
                       and pmac and n.get("remote_port_id") == pmac)]
            check(f"LLDP {sw['hostname']} {me['port']} -> {peer['device']} {peer['port']}", len(hit) == 1,
                  json.dumps([n for n in nbrs if n.get("local_port") == me["port"]])[:300])
    wrong = [n for n in nbrs if not any(
        (x["device"] == sw["hostname"] and x["port"] == n.get("local_port") and short(n.get("remote_sys_name")) == y["device"])
        for l in TRUTH["links"] for x, y in ((l["a"], l["b"]), (l["b"], l["a"])))]
    check(f"{sw['hostname']}: no LLDP neighbour that is not cabled", not wrong, json.dumps(wrong)[:300])

# FDB: every cabled interface's MAC on the switch port it is cabled to
for sw in TRUTH["switches"]:
    fdb = kind(obs, "fdb", sw["mgmt_ip"])
    for p in sw["ports"]:
        peer = p.get("peer") or {}
        h = hosts.get(peer.get("device"))
        if not h or peer["device"] in {s["hostname"] for s in TRUTH["switches"]}:
            continue
        mac = next(i["mac"] for i in h["interfaces"] if i["name"] == peer["port"])
        got = [f for f in fdb if f["mac"] == mac]
        check(f"FDB {sw['hostname']} {p['name']}: {peer['device']} {mac}",
              len(got) == 1 and got[0].get("port_name") == p["name"] and got[0].get("if_index", 0) > 0,
              json.dumps(got))

# Router: ARP of subnet B (not visible at L2 from here) and its own addresses
rtr = next(r for r in TRUTH["routers"])
rip = next(i["ip"] for i in hosts[rtr["hostname"]]["interfaces"] if i["ip"].startswith("10.77.1."))
arp = {a["ip"]: a["mac"] for a in kind(obs, "arp", rip)}
for h in TRUTH["hosts"]:
    for i in h["interfaces"]:
        if i["ip"].startswith("10.77.2.") and h["hostname"] != rtr["hostname"] and i.get("mac"):
            check(f"router ARP: {h['hostname']} {i['ip']} is {i['mac']}", arp.get(i["ip"]) == i["mac"], arp.get(i["ip"]))
own = {a["ip"] for e in kind(obs, "if_entry", rip) for a in e.get("addresses", [])}
for i in hosts[rtr["hostname"]]["interfaces"]:
    check(f"router's own address {i['ip']} on {i['name']}",
          any(e["name"] == i["name"] and any(a["ip"] == i["ip"] for a in e.get("addresses", []))
              for e in kind(obs, "if_entry", rip)), sorted(own))

# SNMPv1 (GETNEXT walks) reads the same switch as v2c did
sw = TRUTH["switches"][0]
rc, obs1, err = collect(["snmp", sw["mgmt_ip"]], [{"version": "v1", "community": sw["snmp"]["community"]}])
check(f"SNMPv1: {sw['hostname']}'s FDB and LLDP read with GETNEXT as with GETBULK",
      rc == 0 and sorted(f["mac"] for f in kind(obs1, "fdb")) == sorted(f["mac"] for f in kind(obs, "fdb", sw["mgmt_ip"]))
      and len(kind(obs1, "neighbor")) == len(kind(obs, "neighbor", sw["mgmt_ip"])) > 0, err[-300:])

# --- SNMP, wrong credentials: a clear error, nothing emitted ----------------
sw1 = TRUTH["switches"][0]["mgmt_ip"]
monip = hosts["mon1"]["interfaces"][0]["ip"]
v3 = next(c for c in creds if c["version"] == "v3")
bad = [{"version": "v2c", "community": "not-the-community", "scope": [sw1]},
       dict(v3, auth_key="wrong-auth-key-1"), dict(v3, priv_key="wrong-priv-key-1", scope=[monip])]
t0 = time.time()
rc, obs, err = collect(["snmp", "--timeout-ms", "700", sw1, monip], bad)
check(f"wrong credentials: nothing is emitted for either device ({time.time() - t0:.1f} s, no hang)",
      not [o for o in obs if "progress" not in o], json.dumps(obs)[:300])
check("a wrong community says so", f"{sw1}" in err and "wrong community" in err, err[-500:])
check("a wrong v3 auth key says so", "Authentication failure" in err and "check the auth protocol and key" in err, err[-500:])
check("a wrong v3 privacy key says so", "check the privacy protocol and key" in err, err[-500:])
check("no secret in the messages", not any(s in err for s in ("not-the-community", "wrong-auth-key-1", "wrong-priv-key-1", v3["auth_key"], v3["priv_key"])))
prog = [o["progress"]["message"] for o in obs if "progress" in o]
check("each failed device gets a progress message", len(prog) == 2 and all(m.startswith("snmp ") for m in prog), prog)

# --- Docker -----------------------------------------------------------------
def api(method, path, body=None):
    req = urllib.request.Request(f"http://{DOCKER}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=20) as r:
        return r.status, r.read()

probe = f"scanopy-probe-{os.getpid()}"
api("POST", f"/containers/create?name={probe}", {
    "Image": TRUTH["containers"][0]["image"], "Cmd": ["httpd", "-f", "-p", "8000", "-h", "/var/www"],
    "ExposedPorts": {"8000/tcp": {}}, "HostConfig": {"NetworkMode": TRUTH["containers"][0]["network"]}})
try:
    api("POST", f"/containers/{probe}/start")

    def containers_ok(obs, label):
        cs = {c["name"]: c for c in kind(obs, "container")}
        for t in TRUTH["containers"]:
            c = cs.get(t["name"])
            ok = c is not None and c["state"] == "running" and c["image"] == t["image"]
            ok = ok and any(e["network"] == t["network"] and e["ip"] == t["ip"] for e in c.get("endpoints", []))
            ok = ok and all(any(p.get("public_port") == tp["host_port"] and p.get("private_port") == tp["container_port"]
                                for p in c.get("ports", [])) for tp in t["ports"])
            labels = {l["key"]: l.get("value") for l in c.get("labels", [])} if c else {}
            ok = ok and all(labels.get(k) == v for k, v in t["labels"].items())
            check(f"docker ({label}): {t['name']} with its network, ports and compose labels", ok, json.dumps(c)[:300])
        nets = kind(obs, "docker_network")
        subnet = TRUTH["containers"][0]["network_subnet"]
        check(f"docker ({label}): network {TRUTH['containers'][0]['network']} {subnet}",
              any(n["name"] == TRUTH["containers"][0]["network"] and subnet in n.get("subnets", []) for n in nets))

    rc, obs, err = collect(["docker", "--docker-proxy", f"tcp://{DOCKER}"])
    containers_ok(obs, "direct")
    pc = next((c for c in kind(obs, "container") if c["name"] == probe), None)
    pip = pc["endpoints"][0]["ip"] if pc and pc.get("endpoints") else None
    http = [h for h in kind(obs, "http") if h["ip"] == pip and h["port"] == 8000]
    check("docker: the unpublished container's HTTP service is identified through exec",
          len(http) == 1 and http[0]["status"] == 200, json.dumps(kind(obs, "http"))[:300])
    check("docker: published-only containers are not probed", all(h["ip"] == pip for h in kind(obs, "http")))

    tls = ["--docker-proxy", "https://127.0.0.1:23760", "--docker-proxy-ssl-cert", f"{WORK}/client.crt",
           "--docker-proxy-ssl-key", f"{WORK}/client.key", "--docker-proxy-ssl-chain", f"{WORK}/ca.crt"]
    rc, obs, err = collect(["docker"] + tls)
    check("docker through the HTTPS allow-list proxy with a client certificate", rc == 0, err[-300:])
    containers_ok(obs, "https proxy")
    rc, obs, err = collect(["docker", "--docker-proxy", "https://127.0.0.1:23760",
                            "--docker-proxy-ssl-chain", f"{WORK}/ca.crt"])
    check("docker: without the client certificate the TLS failure says what to fix",
          rc != 0 and "client certificate" in err, err[-300:])
    rc, obs, err = collect(["docker"] + tls[:-1] + [f"{WORK}/other-ca.crt"])
    check("docker: a proxy certificate from another CA names the chain file",
          rc != 0 and "other-ca.crt" in err and "did not verify" in err, err[-300:])

    rc, obs, err = collect(["docker", "--docker-proxy", "http://127.0.0.1:23750"])
    containers_ok(obs, "proxy denying EXEC")
    check("docker: with EXEC denied the skipped probes are named",
          rc == 0 and "permission denied from proxy" in err and "EXEC" in err and probe in err, err[-400:])
    rc, obs, err = collect(["docker", "--docker-proxy", "tcp://127.0.0.1:23799"])
    check("docker: nothing listening says connection refused", rc != 0 and "connection refused" in err, err[-300:])
finally:
    try:
        api("DELETE", f"/containers/{probe}?force=true")
    except Exception as e:  # noqa: BLE001 - report, do not mask the checks
        print(f"warning: could not remove {probe}: {e}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
