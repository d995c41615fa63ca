#!/usr/bin/env python3
"""Turn scanopy-scan's JSON lines into the report shape tests/lab/score reads.

  disc_report.py OBSERVATIONS.jsonl > report.json

Hosts come from HostSeen, ports from open PortStates, hostnames from name
records (reverse DNS first). Service names here are only what the probes
themselves established (the protocol that answered, and the product a
banner or Server header spells out): a bench-side reading for scoring, not
the fingerprint service, whose definitions do the real identification.
Python 3 standard library only.
"""
import json
import re
import sys

PROBE_NAMES = {
    "redis-info": "redis", "memcached-version": "memcached", "postgresql-startup": "postgresql",
    "mqtt-connect": "mqtt", "ldap-rootdse": "ldap", "smb2-negotiate": "smb", "rdp-negotiate": "rdp",
    "rtsp-options": "rtsp", "sip-options": "sip", "dns-version-bind": "dns", "ssh-kexinit": "ssh",
    "smtp-ehlo": "smtp", "imap-capability": "imap", "pop3-capa": "pop3", "ftp-feat": "ftp",
    "dhcp-inform": "dhcp", "ntp-client": "ntp", "snmp-get": "snmp", "snmp-v3-discovery": "snmp",
    "netbios-nbstat": "netbios", "ssdp-msearch": "ssdp", "mdns-query": "mdns",
}
PRODUCTS = [  # (regex over banner/header text, name, product, version group)
    (r"SSH-[\d.]+-OpenSSH_(\S+)", "ssh", "OpenSSH", 1),
    (r"ESMTP Postfix", "smtp", "Postfix", None),
    (r"dnsmasq-([\d.]+)", "dns", "dnsmasq", 1),
    (r"redis_version:([\d.]+)", "redis", "Redis", 1),
    (r"VERSION ([\d.]+)", "memcached", "memcached", 1),
    (r"MariaDB", "mariadb", "MariaDB", None),
    (r"Net-SNMP|Linux .* #1 SMP", "snmp", "Net-SNMP", None),
]


def greeting_name(data):
    if data.startswith("SSH-"):
        return "ssh"
    if data.startswith("\u00ff") and len(data) > 1 and data[1] >= "\u00fb":
        return "telnet"
    if re.match(r"220[ -].*(SMTP|mail)", data, re.I):
        return "smtp"
    if re.match(r"220[ -]", data):
        return "ftp"
    if data.startswith("+OK"):
        return "pop3"
    if data.startswith("* OK"):
        return "imap"
    if len(data) > 5 and data[3] == "\u0000" and (data[4] in "\n\u00ff"):
        return "mariadb" if "MariaDB" in data else "mysql"
    return None


def main():
    obs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    # A host's IPv6 addresses (NDP) and its ports over IPv6 belong to the host
    # found by IPv4 (topology joins them by MAC); this report is per IPv4 host.
    obs = [o for o in obs if ":" not in (o.get("host") or o.get("port") or {}).get("ip", "")]
    hosts = {}

    def host(ip):
        return hosts.setdefault(ip, {"ip": ip, "mac": None, "names": {}, "ports": {}})

    for o in obs:
        if "host" in o:
            h = host(o["host"]["ip"])
            h["mac"] = h["mac"] or o["host"].get("mac")
        elif "port" in o:
            p = o["port"]
            proto = "tcp" if p["protocol"] == "PROTOCOL_TCP" else "udp"
            host(p["ip"])["ports"].setdefault((proto, p["port"]), {"name": None, "product": None,
                                                                  "version": None})
    def svc(ip, proto, port):
        return hosts.get(ip, {}).get("ports", {}).get((proto, port))

    for o in obs:
        kind = next((k for k in o if k != "observed_at_ms"), None)
        v = o.get(kind) or {}
        if kind == "name" and v.get("name"):
            src = v.get("source", "")
            host(v["ip"])["names"].setdefault(src, v["name"])
        if kind in ("banner", "udp_reply", "http", "tls"):
            proto = "udp" if kind == "udp_reply" else "tcp"
            s = svc(v["ip"], proto, v["port"])
            if s is None:
                continue
            text = v.get("data") or v.get("payload") or ""
            name = PROBE_NAMES.get(v.get("probe") or "")
            if kind == "banner" and not v.get("probe"):
                name = greeting_name(text)
            if kind == "http":
                hdrs = {h["name"].lower(): h["value"] for h in v.get("headers", [])}
                server = hdrs.get("server", "")
                text = server
                name = "https" if v.get("scheme") == "https" else "http"
                m = re.match(r"nginx(?:/([\d.]+))?", server)
                if m:
                    name, s["product"], s["version"] = "nginx", "nginx", m.group(1)
                if "api-version" in hdrs or "libpod" in server.lower() or "docker" in server.lower():
                    name = "docker"
            if kind == "tls":
                name = s["name"] or "tls"
            for pat, pname, product, vgroup in PRODUCTS:
                m = re.search(pat, text)
                if m and (s["name"] in (None, pname) or name == pname):
                    s["product"] = s["product"] or product
                    if vgroup:
                        s["version"] = s["version"] or m.group(vgroup)
            if name and (s["name"] in (None, "http", "tls", "ssh") or kind == "http"):
                if not (s["name"] == "nginx" and name in ("http", "https")):
                    s["name"] = name
    report = []
    for ip, h in sorted(hosts.items()):
        names = h["names"]
        hostname = next((names[k] for k in ("NAME_RDNS", "NAME_SNMP", "NAME_NETBIOS", "NAME_MDNS")
                         if k in names), None)
        report.append({
            "hostname": hostname,
            "interfaces": [{"ip": ip, "mac": h["mac"]}],
            "services": [dict(protocol=p, port=n, **s) for (p, n), s in sorted(h["ports"].items())],
        })
    json.dump({"hosts": report}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
