#!/usr/bin/env python3
"""BRIDGE-MIB (RFC 4188) for a Linux bridge, as an snmpd pass_persist helper.

snmpd.conf:  pass_persist .1.3.6.1.2.1.17 /usr/bin/python3 bridge-mib.py br0

Runs inside the switch's network namespace (snmpd starts it there) and serves
what a managed switch would, read from iproute2's JSON output:
  dot1dBaseBridgeAddress .17.1.1.0, dot1dBaseNumPorts .17.1.2.0,
  dot1dBaseType .17.1.3.0, dot1dBasePortTable .17.1.4.1.{1,2} (port -> ifIndex),
  dot1dTpAgingTime .17.4.2.0, dot1dTpFdbTable .17.4.3.1.{1,2,3} (MAC -> port).
Bridge port numbers follow the port names (swp3 is port 3), as on a real
switch; a port whose name ends in no number falls back to the kernel's port_no.
Learned MACs have status learned(3); the switch's own MACs self(4) with port 0.
Python 3 standard library only.
"""
import bisect
import json
import os
import re
import subprocess
import sys
import time

BASE = (1, 3, 6, 1, 2, 1, 17)
REFRESH = 2.0  # seconds a table snapshot is reused: a walk is many getnexts


def run_json(*cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    try:
        return json.loads(out or "[]")
    except ValueError:
        return []


def mac_octets(mac):
    return [int(b, 16) for b in mac.split(":")]


def read_sys(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def snapshot(bridge):
    """Sorted [(oid tuple, type, value)] of everything this helper serves."""
    rows = []
    ports = {}  # ifname -> (port_no, ifindex)
    for link in run_json("ip", "-j", "link", "show", "master", bridge):
        name = link["ifname"]
        digits = re.search(r"(\d+)$", name)
        port_no = int(digits.group(1)) if digits else int(read_sys(f"/sys/class/net/{name}/brport/port_no", "0"), 0)
        ports[name] = (port_no, link["ifindex"])
    br = run_json("ip", "-j", "link", "show", "dev", bridge)
    br_mac = br[0]["address"] if br else "00:00:00:00:00:00"
    ageing = int(read_sys(f"/sys/class/net/{bridge}/bridge/ageing_time", "30000")) // 100

    rows.append((BASE + (1, 1, 0), "octet", " ".join(f"{b:02x}" for b in mac_octets(br_mac))))
    rows.append((BASE + (1, 2, 0), "integer", str(len(ports))))
    rows.append((BASE + (1, 3, 0), "integer", "2"))  # transparent-only
    for port_no, ifindex in sorted(ports.values()):
        rows.append((BASE + (1, 4, 1, 1, port_no), "integer", str(port_no)))
        rows.append((BASE + (1, 4, 1, 2, port_no), "integer", str(ifindex)))
    rows.append((BASE + (4, 1, 0), "counter", "0"))
    rows.append((BASE + (4, 2, 0), "integer", str(ageing)))

    fdb = {}
    for e in run_json("bridge", "-j", "fdb", "show", "br", bridge):
        mac = e.get("mac", "")
        octets = mac_octets(mac) if mac.count(":") == 5 else None
        if not octets or octets[0] & 1:  # skip multicast/broadcast entries
            continue
        if e.get("vlan") is not None and e.get("vlan") != 1:
            continue
        dev = e.get("ifname", e.get("dev"))
        flags = e.get("flags", [])
        state = e.get("state", "")
        if state == "permanent" or "self" in flags or dev == bridge:
            fdb.setdefault(tuple(octets), (0, 4))  # the switch's own address
        elif dev in ports:
            fdb[tuple(octets)] = (ports[dev][0], 3)  # learned
    for octets, (port_no, status) in fdb.items():
        hexmac = " ".join(f"{b:02x}" for b in octets)
        rows.append((BASE + (4, 3, 1, 1) + octets, "octet", hexmac))
        rows.append((BASE + (4, 3, 1, 2) + octets, "integer", str(port_no)))
        rows.append((BASE + (4, 3, 1, 3) + octets, "integer", str(status)))
    rows.sort()
    return rows


def parse_oid(text):
    return tuple(int(x) for x in text.strip().strip(".").split(".") if x)


def main():
    bridge = sys.argv[1] if len(sys.argv) > 1 else "br0"
    rows, taken = [], 0.0
    out = sys.stdout
    while True:
        line = sys.stdin.readline()
        if not line:  # snmpd closed the pipe
            break
        cmd = line.strip()
        if cmd == "PING":
            out.write("PONG\n")
        elif cmd in ("get", "getnext"):
            oid = parse_oid(sys.stdin.readline())
            if time.monotonic() - taken > REFRESH:
                rows, taken = snapshot(bridge), time.monotonic()
            keys = [r[0] for r in rows]
            if cmd == "get":
                i = bisect.bisect_left(keys, oid)
                hit = rows[i] if i < len(rows) and keys[i] == oid else None
            else:
                i = bisect.bisect_right(keys, oid)
                hit = rows[i] if i < len(rows) else None
            if hit:
                out.write("." + ".".join(map(str, hit[0])) + f"\n{hit[1]}\n{hit[2]}\n")
            else:
                out.write("NONE\n")
        elif cmd == "set":
            sys.stdin.readline()
            sys.stdin.readline()
            out.write("not-writable\n")
        out.flush()


if __name__ == "__main__":
    os.environ.setdefault("LC_ALL", "C")
    main()
