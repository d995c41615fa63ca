#!/usr/bin/env python3
"""BRIDGE-MIB (RFC 4188) and Q-BRIDGE-MIB (RFC 4363) VLANs for a Linux
bridge, as an snmpd pass_persist helper.

snmpd.conf:  pass_persist .1.3.6.1.2.1.17 /usr/bin/python3 bridge-mib.py br0 [--vlans FILE]

Runs inside the switch's network namespace (snmpd starts it there) and serves
what a managed switch would, read from iproute2's JSON output:
  dot1dBaseBridgeAddress .17.1.1.0, dot1dBaseNumPorts .17.1.2.0,
  dot1dBaseType .17.1.3.0, dot1dBasePortTable .17.1.4.1.{1,2} (port -> ifIndex),
  dot1dTpAgingTime .17.4.2.0, dot1dTpFdbTable .17.4.3.1.{1,2,3} (MAC -> port).
Bridge port numbers follow the port names (swp3 is port 3), as on a real
switch; a port whose name ends in no number falls back to the kernel's port_no.
Learned MACs have status learned(3); the switch's own MACs self(4) with port 0.

A VLAN-aware bridge (vlan_filtering 1) also gets, from `bridge -j vlan show`:
  dot1qTpFdbTable .17.7.1.2.2.1.{2,3} (fdbId = VLAN . MAC -> port, status),
  dot1qVlanCurrentTable .17.7.1.4.2.1.{2,3,4,5} (timeMark 0 . VLAN: fdbId,
  egress ports, untagged ports, status permanent),
  dot1qVlanStaticTable .17.7.1.4.3.1.{1,2,3,4,5} (VLAN: name, egress,
  forbidden, untagged ports, rowStatus active) and
  dot1qPortVlanTable .17.7.1.4.5.1.1 (port: PVID).
Port lists are PortList octets (port 1 is the first octet's high bit).
--vlans FILE reads the same JSON from FILE instead, for a kernel built
without bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING); only the
bridge's ports are taken from it.
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


def port_vlans(bridge, vlans_file):
    """{ifname: {vid: (pvid, untagged)}} of the bridge's VLAN table, or None
    when the bridge is not VLAN-aware. Takes both shapes iproute2 has printed
    (a list of {ifname, vlans}, or an object by ifname) and vlan ranges."""
    if vlans_file:
        try:
            with open(vlans_file) as f:
                table = json.load(f)
        except (OSError, ValueError):
            return None
    elif read_sys(f"/sys/class/net/{bridge}/bridge/vlan_filtering", "0") == "1":
        table = run_json("bridge", "-j", "vlan", "show")
    else:
        return None
    if isinstance(table, dict):
        table = [{"ifname": k, "vlans": v} for k, v in table.items()]
    out = {}
    for port in table if isinstance(table, list) else []:
        vl = out.setdefault(port.get("ifname", ""), {})
        for v in port.get("vlans", []):
            flags = v.get("flags", [])
            for vid in range(int(v["vlan"]), int(v.get("vlanEnd", v["vlan"])) + 1):
                if 1 <= vid <= 4094:
                    vl[vid] = ("PVID" in flags, "Egress Untagged" in flags)
    return out


def portlist(port_nos, width):
    """PortList octets as pass_persist hex: port 1 is the first octet's MSB."""
    b = bytearray(width)
    for p in port_nos:
        if 1 <= p <= width * 8:
            b[(p - 1) // 8] |= 0x80 >> ((p - 1) % 8)
    return " ".join(f"{x:02x}" for x in b)


def qbridge_vlans(ports, vlans):
    """Q-BRIDGE-MIB VLAN rows (current, static, PVID) for the bridge's ports."""
    rows = []
    width = max(1, (max((p for p, _ in ports.values()), default=0) + 7) // 8)
    egress, untagged = {}, {}
    for name, (port_no, _) in ports.items():
        for vid, (pvid, untag) in vlans.get(name, {}).items():
            egress.setdefault(vid, set()).add(port_no)
            untagged.setdefault(vid, set())
            if untag:
                untagged[vid].add(port_no)
            if pvid:
                rows.append((BASE + (7, 1, 4, 5, 1, 1, port_no), "gauge", str(vid)))
    for vid in sorted(egress):
        eg, un = portlist(egress[vid], width), portlist(untagged[vid], width)
        cur = BASE + (7, 1, 4, 2, 1)
        rows.append((cur + (2, 0, vid), "gauge", str(vid)))
        rows.append((cur + (3, 0, vid), "octet", eg))
        rows.append((cur + (4, 0, vid), "octet", un))
        rows.append((cur + (5, 0, vid), "integer", "2"))  # permanent
        st = BASE + (7, 1, 4, 3, 1)
        rows.append((st + (1, vid), "string", f"VLAN{vid:04d}"))
        rows.append((st + (2, vid), "octet", eg))
        rows.append((st + (3, vid), "octet", portlist((), width)))
        rows.append((st + (4, vid), "octet", un))
        rows.append((st + (5, vid), "integer", "1"))  # active
    return rows


def snapshot(bridge, vlans_file=None):
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

    vlans = port_vlans(bridge, vlans_file)
    if vlans is not None:
        rows += qbridge_vlans(ports, vlans)
    fdb = {}
    for e in run_json("bridge", "-j", "fdb", "show", "br", bridge):
        mac = e.get("mac", "")
        octets = mac_octets(mac) if mac.count(":") == 5 else None
        if not octets or octets[0] & 1:  # skip multicast/broadcast entries
            continue
        dev = e.get("ifname", e.get("dev"))
        if vlans is not None and e.get("vlan") is not None and dev in ports \
                and "self" not in e.get("flags", []) and e.get("state") != "permanent":
            q = BASE + (7, 1, 2, 2, 1)
            idx = (int(e["vlan"]),) + tuple(octets)
            rows.append((q + (2,) + idx, "integer", str(ports[dev][0])))
            rows.append((q + (3,) + idx, "integer", "3"))  # learned
        if e.get("vlan") is not None and e.get("vlan") != 1:
            continue
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
    args = sys.argv[1:]
    vlans_file = None
    if "--vlans" in args:
        i = args.index("--vlans")
        vlans_file = args[i + 1] if i + 1 < len(args) else None
        del args[i:i + 2]
    bridge = args[0] if args else "br0"
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
                rows, taken = snapshot(bridge, vlans_file), time.monotonic()
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
