#!/usr/bin/env python3
"""Announces a host the way real devices do, as raw Ethernet frames on one
interface, until killed: a DHCP client's REQUEST (host name, vendor class),
an mDNS announcement (A record and a DNS-SD service), and an SSDP NOTIFY.
For discovery_passive.sh: the scanner must learn all of it by listening.
With QINQ_IP and DOT1Q_IP it also sends, as if bridged in from VLANs, an mDNS
announcement of QINQ_IP behind QinQ tags (S-tag 300 in 0x88a8, C-tag 12) and a
gratuitous ARP of DOT1Q_IP behind an 802.1Q tag (VLAN 7).

usage: announcer.py IFNAME IP HOSTNAME [INTERVAL_S [QINQ_IP DOT1Q_IP]]
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def udp_frame(src_mac, dst_mac, sip, dip, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 255, 17, 0,
                     socket.inet_aton(sip), socket.inet_aton(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + udp


def tagged(frame, tags):
    """frame with VLAN tags ((tpid, vid), outer first) after the MACs."""
    out = frame[:12]
    for tpid, vid in tags:
        out += struct.pack("!HH", tpid, vid)
    return out + frame[12:]


def garp(mac, ip):
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, socket.inet_aton(ip),
                      b"\0" * 6, socket.inet_aton(ip))
    return b"\xff" * 6 + mac + b"\x08\x06" + arp + b"\0" * 18


def dns_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(name, rtype, rdata, ttl=120):
    return dns_name(name) + struct.pack("!HHIH", rtype, 0x8001, ttl, len(rdata)) + rdata


def mdns(ip, host):
    inst = "Office Printer._ipp._tcp.local"
    answers = [
        rr("_services._dns-sd._udp.local", 12, dns_name("_ipp._tcp.local"), 4500),
        rr("_ipp._tcp.local", 12, dns_name(inst), 4500),
        rr(inst, 33, struct.pack("!HHH", 0, 0, 631) + dns_name(host + ".local")),
        rr(host + ".local", 1, socket.inet_aton(ip)),
    ]
    return struct.pack("!HHHHHH", 0, 0x8400, 0, len(answers), 0, 0) + b"".join(answers)


def dhcp_request(mac, ip, host):
    b = bytearray(240)
    b[0:4] = b"\x01\x01\x06\x00"
    b[4:8] = struct.pack("!I", 0x5C0FFEE)
    b[28:34] = mac
    b[236:240] = b"\x63\x82\x53\x63"
    opts = bytes([53, 1, 3, 50, 4]) + socket.inet_aton(ip)
    opts += bytes([12, len(host)]) + host.encode()
    vendor = b"HP LaserJet 4250"
    opts += bytes([60, len(vendor)]) + vendor + b"\xff"
    return bytes(b) + opts


def ssdp_notify(ip):
    return ("NOTIFY * HTTP/1.1\r\n"
            "HOST: 239.255.255.250:1900\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            f"LOCATION: http://{ip}:49152/description.xml\r\n"
            "NT: urn:schemas-upnp-org:device:MediaRenderer:1\r\n"
            "NTS: ssdp:alive\r\n"
            "SERVER: Linux/5.10 UPnP/1.0 LabRenderer/2.1\r\n"
            "USN: uuid:2fac1234-31f8-11b4-a222-08002b34c003::"
            "urn:schemas-upnp-org:device:MediaRenderer:1\r\n\r\n").encode()


def main():
    ifname, ip, host = sys.argv[1:4]
    every = float(sys.argv[4]) if len(sys.argv) > 4 else 0.2
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    mac = s.getsockname()[4]
    bcast = b"\xff" * 6
    frames = [
        udp_frame(mac, bcast, "0.0.0.0", "255.255.255.255", 68, 67,
                  dhcp_request(mac, ip, host)),
        udp_frame(mac, bytes.fromhex("01005e0000fb"), ip, "224.0.0.251", 5353, 5353,
                  mdns(ip, host)),
        udp_frame(mac, bytes.fromhex("01005e7ffffa"), ip, "239.255.255.250", 1900,
                  1900, ssdp_notify(ip)),
    ]
    if len(sys.argv) > 6:
        qinq_ip, dot1q_ip = sys.argv[5:7]
        # hosts of their own behind the bridge: MACs of their own
        qmac, dmac = bytes.fromhex("02000000012c"), bytes.fromhex("020000000007")
        frames.append(tagged(udp_frame(qmac, bytes.fromhex("01005e0000fb"), qinq_ip,
                                       "224.0.0.251", 5353, 5353,
                                       mdns(qinq_ip, "vlan-host")),
                             [(0x88A8, 300), (0x8100, 12)]))
        frames.append(tagged(garp(dmac, dot1q_ip), [(0x8100, 7)]))
    while True:
        for f in frames:
            s.send(f)
        time.sleep(every)


if __name__ == "__main__":
    main()
