#!/usr/bin/env python3
"""Observation batches shaped like what the lab's devices report, built from
tests/lab/truth.json, for obs-publish --json: what the daemon's scan from the
scanner sees (ARP answers with MACs on subnet A, routed ICMP answers without
MACs on subnet B, open ports, its own self-report) and what an SNMP/LLDP/
Docker collector would read from the switches, the router and docker1
(IF-MIB rows, LLDP remote tables, bridge FDBs, ARP tables, containers).

This is the input only: nothing here says which host is which or where the
cables are; the topology service must work that out.

  topo_fixture.py [--truth F] [--scan-only]  > batches.json
"""
import argparse
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def obs(kind, body, t):
    return {"observed_at_ms": t, kind: body}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", default=os.path.join(HERE, "..", "lab", "truth.json"))
    ap.add_argument("--scan-only", action="store_true")
    a = ap.parse_args()
    t = json.load(open(a.truth))
    hosts = {h["hostname"]: h for h in t["hosts"]}
    scanner = next(h for h in t["hosts"] if h["kind"] == "scanner")
    scan_subnet = scanner["interfaces"][0]["cidr"]
    T = 1700000000000
    batches = []

    # The daemon's self-report.
    si = scanner["interfaces"][0]
    batches.append([obs("self_report", {
        "hostname": scanner["hostname"], "daemon_name": "scanner", "mode": "daemon_poll",
        "interfaces": [{"name": si["name"], "index": 2, "mac": si["mac"], "type": "IFTYPE_LAN",
                        "addresses": [{"ip": si["ip"], "prefix_len": int(si["cidr"].split("/")[1]),
                                       "subnet": si["cidr"]}], "up": True}],
        "default_gateways": [scanner["gateway"]]}, T)])

    # The scan: one batch per host address, as the daemon sends them.
    for h in t["hosts"]:
        if h["kind"] == "scanner":
            continue
        for i in h["interfaces"]:
            local = i["cidr"] == scan_subnet
            seen = {"ip": i["ip"], "evidence": "EVIDENCE_ARP" if local else "EVIDENCE_ICMP",
                    "ttl": 64 if local or h["kind"] == "router" else 63}
            if local:
                seen["mac"] = i["mac"]
            b = [obs("host", seen, T + 1000)]
            for s in h["services"]:
                if s["ip"] == i["ip"]:
                    b.append(obs("port", {"ip": s["ip"], "protocol": "PROTOCOL_" + s["protocol"].upper(),
                                          "port": s["port"], "status": "PORT_OPEN"}, T + 1000))
            b.append(obs("name", {"ip": i["ip"], "source": "NAME_RDNS", "name": h["fqdn"]}, T + 1000))
            batches.append(b)
    if a.scan_only:
        print(json.dumps([{"observations": b} for b in batches]))
        return

    T2 = T + 5000
    links = t["links"]

    def peer_mac(dev, port):
        for i in hosts[dev]["interfaces"]:
            if i["name"] == port:
                return i["mac"]
        for sw in t["switches"]:
            if sw["hostname"] == dev:
                return next(p["mac"] for p in sw["ports"] if p["name"] == port)

    # Which MACs a switch port leads to: walk the cabling away from the switch.
    adj = {}
    for l in links:
        adj.setdefault(l["a"]["device"], []).append((l["a"]["port"], l["b"]["device"], l["b"]["port"]))
        adj.setdefault(l["b"]["device"], []).append((l["b"]["port"], l["a"]["device"], l["a"]["port"]))
    switches = {sw["hostname"]: sw for sw in t["switches"]}

    def behind(dev, came_from):
        """MACs learned from device dev (entered from came_from)."""
        if dev not in switches:
            # the interface facing the switch only
            return set()
        macs = {switches[dev]["bridge_mac"]}
        for port, far, far_port in adj.get(dev, []):
            if far == came_from:
                continue
            macs |= behind(far, dev) if far in switches else {peer_mac(far, far_port)}
        return macs

    for name, sw in switches.items():
        ip = sw["mgmt_ip"]
        b = [obs("snmp_system", {"ip": ip, "sys_name": name, "chassis_id": sw["lldp_chassis_id"],
                                 "sys_descr": "Linux " + name, "engine_id": "80001f8803" + sw["bridge_mac"].replace(":", "")}, T2)]
        b.append(obs("if_entry", {"device_ip": ip, "if_index": 1, "name": sw["bridge"], "mac": sw["bridge_mac"],
                                  "if_type": 6, "oper_up": True}, T2))
        for k, p in enumerate(sw["ports"]):
            b.append(obs("if_entry", {"device_ip": ip, "if_index": 10 + k, "name": p["name"], "mac": p["mac"],
                                      "if_type": 6, "oper_up": True}, T2))
            b.append(obs("fdb", {"device_ip": ip, "mac": p["mac"], "port_name": p["name"], "status": 4}, T2))
        for port, far, far_port in adj.get(name, []):
            macs = behind(far, name) if far in switches else {peer_mac(far, far_port)}
            for m in sorted(macs):
                b.append(obs("fdb", {"device_ip": ip, "mac": m, "port_name": port, "status": 3}, T2))
            fh = hosts.get(far)
            if fh and fh.get("lldp"):
                if far in switches:
                    nb = {"remote_chassis_id": switches[far]["lldp_chassis_id"], "remote_chassis_id_subtype": 4,
                          "remote_port_id": far_port, "remote_port_id_subtype": 5,
                          "remote_capabilities": 4, "remote_mgmt_addresses": [switches[far]["mgmt_ip"]]}
                else:
                    first = fh["interfaces"][0]
                    port_mac = peer_mac(far, far_port)
                    nb = {"remote_chassis_id": first["mac"], "remote_chassis_id_subtype": 4,
                          "remote_port_id": port_mac, "remote_port_id_subtype": 3,
                          "remote_port_descr": far_port, "remote_mgmt_addresses": [first["ip"]]}
                nb.update({"device_ip": ip, "protocol": "NEIGHBOR_LLDP", "local_port": port,
                           "remote_sys_name": far})
                b.append(obs("neighbor", nb, T2))
        # the switch pinged its gateway: one ARP entry
        gw = hosts[name]["gateway"]
        gwh = next(h for h in t["hosts"] for i in h["interfaces"] if i["ip"] == gw)
        b.append(obs("arp", {"device_ip": ip, "ip": gw,
                             "mac": next(i["mac"] for i in gwh["interfaces"] if i["ip"] == gw)}, T2))
        batches.append(b)

    # The router over SNMP: system, interfaces, ARP table, LLDP remote table.
    for r in t["routers"]:
        rh = hosts[r["hostname"]]
        ip = rh["interfaces"][0]["ip"]
        b = [obs("snmp_system", {"ip": ip, "sys_name": r["hostname"], "sys_descr": "Linux " + r["hostname"],
                                 "engine_id": "80001f8803" + rh["interfaces"][0]["mac"].replace(":", "")}, T2)]
        for k, i in enumerate(rh["interfaces"]):
            b.append(obs("if_entry", {"device_ip": ip, "if_index": 2 + k, "name": i["name"], "mac": i["mac"],
                                      "if_type": 6, "oper_up": True}, T2))
        for h in t["hosts"]:
            for i in h["interfaces"]:
                if h is not rh and any(i["cidr"] == ri["cidr"] for ri in rh["interfaces"]):
                    b.append(obs("arp", {"device_ip": ip, "ip": i["ip"], "mac": i["mac"]}, T2))
        for port, far, far_port in adj.get(r["hostname"], []):
            sw = switches[far]
            b.append(obs("neighbor", {"device_ip": ip, "protocol": "NEIGHBOR_LLDP", "local_port": port,
                                      "remote_chassis_id": sw["lldp_chassis_id"], "remote_chassis_id_subtype": 4,
                                      "remote_port_id": far_port, "remote_port_id_subtype": 5,
                                      "remote_sys_name": far, "remote_capabilities": 4,
                                      "remote_mgmt_addresses": [sw["mgmt_ip"]]}, T2))
        batches.append(b)

    # Docker on docker1.
    b = []
    for c in t["containers"]:
        hip = hosts[c["host"]]["interfaces"][0]["ip"]
        b.append(obs("container", {
            "host_ip": hip, "id": c["name"] + "-0123456789abcdef",
            "name": "/" + c["name"], "image": c["image"], "state": "running",
            "labels": [{"key": k, "value": v} for k, v in sorted(c["labels"].items())],
            "endpoints": [{"network": c["network"], "ip": c["ip"]}],
            "ports": [{"private_port": p["container_port"], "public_port": p["host_port"],
                       "protocol": "PROTOCOL_" + p["protocol"].upper(), "host_ip": p["host_ip"]} for p in c["ports"]]}, T2))
    if t["containers"]:
        c0 = t["containers"][0]
        b.append(obs("docker_network", {"host_ip": hosts[c0["host"]]["interfaces"][0]["ip"], "name": c0["network"],
                                        "driver": "bridge", "subnets": [c0["network_subnet"]]}, T2))
        batches.append(b)
    print(json.dumps([{"observations": b} for b in batches]))


if __name__ == "__main__":
    main()
