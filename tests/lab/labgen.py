#!/usr/bin/env python3
"""Turn lab.json (the one description of the test lab) into what others need.

  labgen.py plan             tab-separated build plan read by ./lab up
  labgen.py truth [-o FILE]  truth.json: what a perfect scan would report
         [--no-versions]     (versions come from dpkg-query unless disabled)

Everything the lab builds and everything truth.json claims is derived here, so
the two cannot drift apart. Python 3 standard library only.
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_JSON = os.path.join(HERE, "lab.json")

# What each service type listens on and how truth names it.
#   name    canonical service name (see ALIASES in score for accepted synonyms)
#   package Debian package whose version is the service's version
#   product what the software calls itself on the wire
# Ports may depend on the service's parameters, hence the functions.
SERVICE_TYPES = {
    "dnsmasq": dict(package="dnsmasq-base", product="dnsmasq",
                    ports=lambda s: [("tcp", 53, "dns"), ("udp", 53, "dns")]
                    + ([("udp", 67, "dhcp")] if s.get("dhcp_range") else [])),
    "nginx": dict(package="nginx-light", product="nginx",
                  ports=lambda s: ([("tcp", s["http"], "nginx")] if s.get("http") else [])
                  + ([("tcp", s["https"], "nginx", True)] if s.get("https") else [])),
    "sshd": dict(package="openssh-server", product="OpenSSH",
                 ports=lambda s: [("tcp", s.get("port", 22), "openssh")]),
    "postgresql": dict(package="postgresql-15", product="PostgreSQL",
                       ports=lambda s: [("tcp", s.get("port", 5432), "postgresql")]),
    "mariadb": dict(package="mariadb-server", product="MariaDB",
                    ports=lambda s: [("tcp", s.get("port", 3306), "mariadb")]),
    "redis": dict(package="redis-server", product="Redis",
                  ports=lambda s: [("tcp", s.get("port", 6379), "redis")]),
    "memcached": dict(package="memcached", product="memcached",
                      ports=lambda s: [("tcp", s.get("port", 11211), "memcached")]),
    "mosquitto": dict(package="mosquitto", product="Eclipse Mosquitto",
                      ports=lambda s: [("tcp", s.get("port", 1883), "mqtt")]),
    "postfix": dict(package="postfix", product="Postfix",
                    ports=lambda s: [("tcp", s.get("port", 25), "smtp")]),
    "slapd": dict(package="slapd", product="OpenLDAP",
                  ports=lambda s: [("tcp", s.get("port", 389), "ldap")]),
    "node_exporter": dict(package="prometheus-node-exporter", product="Prometheus node_exporter",
                          ports=lambda s: [("tcp", s.get("port", 9100), "node-exporter")]),
    "chrony": dict(package="chrony", product="chrony",
                   ports=lambda s: [("udp", 123, "ntp")]),
    "snmpd": dict(package="snmpd", product="Net-SNMP",
                  ports=lambda s: [("udp", 161, "snmp")]),
    "podman": dict(package="podman", product="Podman Docker-compatible API",
                   ports=lambda s: [("tcp", s["api_port"], "docker")]),
}

# Services inside the podman host's containers, published on the host.
CONTAINER_KINDS = {
    "httpd": dict(name="http", product="BusyBox httpd", package="busybox-static"),
    "telnetd": dict(name="telnet", product="BusyBox telnetd", package="busybox-static"),
}

# The switch namespaces always run these (not listed in lab.json per switch).
SWITCH_SERVICES = [{"type": "snmpd"}]


def load(path=LAB_JSON):
    with open(path) as f:
        return json.load(f)


def subnet_of(lab, ip):
    """Id of the lab subnet holding ip."""
    addr = ipaddress.ip_address(ip)
    for s in lab["subnets"]:
        if addr in ipaddress.ip_network(s["cidr"]):
            return s
    raise SystemExit(f"labgen: {ip} is in no subnet of lab.json")


def port_number(port):
    return int(re.sub(r"\D", "", port))


def port_mac(switch, port):
    """Switch port MACs are the bridge MAC with the port number as last byte."""
    return switch["bridge_mac"][:-2] + f"{port_number(port):02x}"


def switch_by_id(lab, sid):
    for sw in lab["switches"]:
        if sw["id"] == sid:
            return sw
    raise SystemExit(f"labgen: unknown switch {sid}")


def ns_name(ident):
    return "lab-" + ident


def routes_for(lab, subnet_id):
    """Lab-only routes for a node on subnet_id: every other lab subnet via
    that subnet's gateway. Never a default route: nothing may leave the lab."""
    here = next(s for s in lab["subnets"] if s["id"] == subnet_id)
    return [(s["cidr"], here["gateway"]) for s in lab["subnets"] if s["id"] != subnet_id]


def check(lab):
    """Refuse inconsistent descriptions early (duplicate ports, IPs, MACs)."""
    seen_port, seen_ip, seen_mac = set(), set(), set()
    cables = [(i["switch"], i["port"]) for n in lab["nodes"] for i in n["interfaces"]]
    cables += [(u[e]["switch"], u[e]["port"]) for u in lab["uplinks"] for e in "ab"]
    for c in cables:
        if c in seen_port:
            raise SystemExit(f"labgen: switch port {c} cabled twice")
        seen_port.add(c)
    ips = [i["ip"] for n in lab["nodes"] for i in n["interfaces"]] + [s["ip"] for s in lab["switches"]]
    macs = [i["mac"] for n in lab["nodes"] for i in n["interfaces"]] + [s["bridge_mac"] for s in lab["switches"]]
    macs += [port_mac(switch_by_id(lab, sw), p) for sw, p in cables]
    for v, seen, what in [(x, seen_ip, "IP") for x in ips] + [(x, seen_mac, "MAC") for x in macs]:
        if v in seen:
            raise SystemExit(f"labgen: duplicate {what} {v}")
        seen.add(v)


# ---------------------------------------------------------------- plan

def plan(lab):
    """Records for ./lab, one per line, fields separated by tabs."""
    out = []

    def rec(*fields):
        out.append("\t".join(str(f) for f in fields))

    rec("lab", lab["name"], lab["domain"], lab["state_dir"], lab["dns_server"])
    for sw in lab["switches"]:
        sub = subnet_of(lab, sw["ip"])
        prefix = ipaddress.ip_network(sub["cidr"]).prefixlen
        rec("switch", ns_name(sw["id"]), sw["hostname"], sw["ip"], prefix, sw["bridge_mac"],
            sw["snmp"]["community"], sw.get("location", ""))
        for cidr, via in routes_for(lab, sub["id"]):
            rec("route", ns_name(sw["id"]), cidr, via)
    for u in lab["uplinks"]:
        a, b = u["a"], u["b"]
        rec("uplink", ns_name(a["switch"]), a["port"], port_mac(switch_by_id(lab, a["switch"]), a["port"]),
            ns_name(b["switch"]), b["port"], port_mac(switch_by_id(lab, b["switch"]), b["port"]))
    # Cables in switch port order: a switch's ports then get ifIndexes in
    # port order and lldpd takes its chassis ID from the lowest port.
    cables = sorted(((n, i) for n in lab["nodes"] for i in n["interfaces"]), key=lambda c: port_number(c[1]["port"]))
    for n, i in cables:
        sub = subnet_of(lab, i["ip"])
        prefix = ipaddress.ip_network(sub["cidr"]).prefixlen
        sw = switch_by_id(lab, i["switch"])
        rec("iface", ns_name(n["id"]), i["name"], i["mac"], i["ip"], prefix,
            ns_name(sw["id"]), i["port"], port_mac(sw, i["port"]))
    for n in lab["nodes"]:
        ns = ns_name(n["id"])
        rec("node", ns, n["hostname"], n["kind"], 1 if n["lldp"] else 0)
        if n["kind"] == "router":
            rec("forward", ns)
        else:
            sub = subnet_of(lab, n["interfaces"][0]["ip"])
            for cidr, via in routes_for(lab, sub["id"]):
                rec("route", ns, cidr, via)
        ip = n["interfaces"][0]["ip"]
        ips = ",".join(i["ip"] for i in n["interfaces"])
        for s in n["services"]:
            params = {k: (int(v) if isinstance(v, bool) else v) for k, v in s.items() if k not in ("type", "containers")}
            # ip: the node's main address; ips: all of them (a router listens on each)
            rec("svc", ns, s["type"], f"ip={ip}", f"ips={ips}", f"hostname={n['hostname']}",
                *[f"{k}={v}" for k, v in sorted(params.items())])
            for c in s.get("containers", []):
                labels = ",".join(f"{k}={v}" for k, v in sorted(c.get("labels", {}).items()))
                rec("container", ns, c["name"], c["kind"], c["ip"], ip, c["host_port"], c["container_port"], labels)
    # DNS: every name of the lab, A and PTR (dnsmasq host-record).
    for name, ips in dns_records(lab):
        rec("dns", f"{name}.{lab['domain']}", name, ",".join(ips))
    return "\n".join(out) + "\n"


def dns_records(lab):
    recs = [(sw["hostname"], [sw["ip"]]) for sw in lab["switches"]]
    recs += [(n["hostname"], [i["ip"] for i in n["interfaces"]]) for n in lab["nodes"]]
    return recs


# ---------------------------------------------------------------- truth

def upstream_version(debver):
    """'1:9.2p1-2+deb12u3' -> '9.2p1'; '5.9.3+dfsg-2' -> '5.9.3'."""
    v = debver.split(":", 1)[-1]
    if "-" in v:
        v = v.rsplit("-", 1)[0]
    return re.split(r"[+~]", v)[0]


def package_versions(packages):
    """Installed upstream version of each package (None when not installed)."""
    found = {}
    try:
        res = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${Status}\n", *packages],
                             capture_output=True, text=True, check=False)
    except OSError:
        return found
    for line in res.stdout.splitlines():
        pkg, ver, status = line.split("\t")
        if status.endswith("installed") and ver:
            found[pkg] = upstream_version(ver)
    return found


def service_entries(s, ip, versions):
    t = SERVICE_TYPES[s["type"]]
    entries = []
    for p in t["ports"](s):
        proto, port, name = p[0], p[1], p[2]
        tls = len(p) > 3 and p[3]
        e = {"ip": ip, "protocol": proto, "port": port, "name": name,
             "product": t["product"], "version": versions.get(t["package"]),
             "package": t["package"], "tls": bool(tls), "daemon": s["type"]}
        if s["type"] == "snmpd":
            e["snmp"] = snmp_access(s)
        entries.append(e)
    return entries


def snmp_access(s):
    if s.get("v3_user"):
        return {"version": "3", "user": s["v3_user"], "security_level": "authPriv",
                "auth_protocol": s["v3_auth"], "auth_password": s["v3_auth_pass"],
                "priv_protocol": s["v3_priv"], "priv_password": s["v3_priv_pass"]}
    return {"version": "2c", "community": s["community"]}


def truth(lab, with_versions=True):
    check(lab)
    pkgs = {t["package"] for t in SERVICE_TYPES.values()} | {k["package"] for k in CONTAINER_KINDS.values()}
    pkgs |= {"lldpd"}
    versions = package_versions(sorted(pkgs)) if with_versions else {}
    gw = {s["id"]: s["gateway"] for s in lab["subnets"]}

    hosts, links, switches, routers, containers = [], [], [], [], []
    sw_ports = {sw["id"]: [] for sw in lab["switches"]}

    for sw in lab["switches"]:
        sub = subnet_of(lab, sw["ip"])
        svc = []
        for s in SWITCH_SERVICES:
            svc += service_entries(dict(s, community=sw["snmp"]["community"]), sw["ip"], versions)
        hosts.append({
            "id": sw["id"], "hostname": sw["hostname"], "fqdn": f"{sw['hostname']}.{lab['domain']}",
            "kind": "switch", "namespace": ns_name(sw["id"]), "lldp": True, "scored": True,
            "interfaces": [{"name": "br0", "ip": sw["ip"], "mac": sw["bridge_mac"], "subnet": sub["id"],
                            "cidr": sub["cidr"]}],
            "gateway": gw[sub["id"]], "services": svc})

    for u in lab["uplinks"]:
        a, b = u["a"], u["b"]
        links.append({"a": {"device": switch_by_id(lab, a["switch"])["hostname"], "port": a["port"]},
                      "b": {"device": switch_by_id(lab, b["switch"])["hostname"], "port": b["port"]},
                      "kind": "uplink", "lldp": True})
        sw_ports[a["switch"]].append({"name": a["port"], "mac": port_mac(switch_by_id(lab, a["switch"]), a["port"]),
                                      "peer": links[-1]["b"]})
        sw_ports[b["switch"]].append({"name": b["port"], "mac": port_mac(switch_by_id(lab, b["switch"]), b["port"]),
                                      "peer": links[-1]["a"]})

    for n in lab["nodes"]:
        ifaces, svc = [], []
        for i in n["interfaces"]:
            sub = subnet_of(lab, i["ip"])
            sw = switch_by_id(lab, i["switch"])
            ifaces.append({"name": i["name"], "ip": i["ip"], "mac": i["mac"], "subnet": sub["id"],
                           "cidr": sub["cidr"], "switch": sw["hostname"], "switch_port": i["port"]})
            link = {"a": {"device": sw["hostname"], "port": i["port"]},
                    "b": {"device": n["hostname"], "port": i["name"]},
                    "kind": "access", "lldp": bool(n["lldp"])}
            links.append(link)
            sw_ports[sw["id"]].append({"name": i["port"], "mac": port_mac(sw, i["port"]), "peer": link["b"]})
        ip = n["interfaces"][0]["ip"]
        for s in n["services"]:
            svc += service_entries(s, ip, versions)
            for c in s.get("containers", []):
                k = CONTAINER_KINDS[c["kind"]]
                svc.append({"ip": ip, "protocol": "tcp", "port": c["host_port"], "name": k["name"],
                            "product": k["product"], "version": versions.get(k["package"]),
                            "package": k["package"], "tls": False, "daemon": "podman",
                            "container": c["name"]})
                containers.append({"name": c["name"], "host": n["hostname"], "image": "localhost/scanopy-lab-busybox:1",
                                   "network": s["network"], "network_subnet": s["network_subnet"], "ip": c["ip"],
                                   "service": k["name"], "product": k["product"],
                                   "ports": [{"host_ip": ip, "host_port": c["host_port"],
                                              "container_port": c["container_port"], "protocol": "tcp"}],
                                   "labels": c.get("labels", {})})
        svc.sort(key=lambda e: (e["protocol"], e["port"]))
        first_sub = subnet_of(lab, ip)["id"]
        h = {"id": n["id"], "hostname": n["hostname"], "fqdn": f"{n['hostname']}.{lab['domain']}",
             "kind": n["kind"], "namespace": ns_name(n["id"]), "lldp": bool(n["lldp"]),
             "scored": n["kind"] != "scanner", "interfaces": ifaces,
             "gateway": None if n["kind"] == "router" else gw[first_sub], "services": svc}
        hosts.append(h)
        if n["kind"] == "router":
            routers.append({"hostname": n["hostname"],
                            "interfaces": [{"name": i["name"], "ip": i["ip"], "subnet": i["subnet"]} for i in ifaces],
                            "routes": [{"subnet": subnet_of(lab, i["ip"])["cidr"], "connected": i["name"]}
                                       for i in n["interfaces"]],
                            "gateway_for": [s["id"] for s in lab["subnets"]
                                            if s["gateway"] in [i["ip"] for i in ifaces]]})

    for sw in lab["switches"]:
        ports = sorted(sw_ports[sw["id"]], key=lambda p: port_number(p["name"]))
        switches.append({"hostname": sw["hostname"], "mgmt_ip": sw["ip"], "bridge": "br0",
                         "bridge_mac": sw["bridge_mac"], "lldp_chassis_id": ports[0]["mac"],
                         "snmp": {"version": "2c", "community": sw["snmp"]["community"]},
                         "ports": ports})

    return {
        "_comment": "Generated by labgen.py from lab.json. Do not edit by hand.",
        "lab": lab["name"], "domain": lab["domain"], "dns_server": lab["dns_server"], "state_dir": lab["state_dir"],
        "scanner": next(n["interfaces"][0]["ip"] for n in lab["nodes"] if n["kind"] == "scanner"),
        "lldpd_version": versions.get("lldpd"),
        "subnets": [{"id": s["id"], "cidr": s["cidr"], "gateway": s["gateway"], "description": s["description"],
                     "switches": [sw["hostname"] for sw in lab["switches"] if subnet_of(lab, sw["ip"])["id"] == s["id"]]}
                    for s in lab["subnets"]],
        "hosts": hosts, "switches": switches, "routers": routers, "links": links, "containers": containers,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["plan", "truth"])
    ap.add_argument("-o", "--output", help="write here instead of stdout (only replaced when changed)")
    ap.add_argument("--no-versions", action="store_true", help="leave versions out (no dpkg-query)")
    ap.add_argument("--lab", default=LAB_JSON, help="lab description (default: lab.json beside this script)")
    args = ap.parse_args()
    lab = load(args.lab)
    check(lab)
    text = plan(lab) if args.what == "plan" else json.dumps(truth(lab, not args.no_versions), indent=2) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return
    old = None
    if os.path.exists(args.output):
        with open(args.output) as f:
            old = f.read()
    if old != text:
        tmp = args.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
