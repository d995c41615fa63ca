#!/usr/bin/env python3
"""A virtual machine's NIC, as a hypervisor's tap sees it.

  vm_nic.py IFNAME MAC IP READY_FILE [COMM]

Creates the tap IFNAME (open /dev/net/tun, TUNSETIFF IFF_TAP|IFF_NO_PI) and
holds it open as QEMU does, then behaves as the guest behind it: sends a
gratuitous ARP from MAC every half second (so the bridge the tap is a port of
learns MAC on that port), answers ARP requests for IP, and answers a TCP SYN
to port 22 with a SYN-ACK (other ports: RST), so a scan finds the guest and
its open port. READY_FILE is written once the tap exists.

COMM renames this process (prctl PR_SET_NAME, what /proc/<pid>/comm shows)
before it opens the tap: the daemon counts a bridged tap as a VM's only when
a hypervisor process holds it, and a real QEMU cannot run here, so the test
holds a VM's tap from a process named as QEMU/KVM is ("kvm",
"qemu-system-x86") and a VPN's from one named "openvpn". The name is all the
daemon reads of its holder; the tap, the bridge and the frames are real."""
import ctypes
import fcntl
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000

ifname, mac_text, ip_text, ready = sys.argv[1:5]
if len(sys.argv) > 5:
    PR_SET_NAME = 15
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NAME, sys.argv[5].encode()[:15], 0, 0, 0):
        sys.exit("prctl(PR_SET_NAME): errno %d" % ctypes.get_errno())
mac = bytes.fromhex(mac_text.replace(":", ""))
ip = socket.inet_aton(ip_text)
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TAP | IFF_NO_PI))
with open(ready, "w") as f:
    f.write(ifname)


def send(frame):
    try:
        os.write(fd, frame)
    except OSError:  # EIO until the tap is up
        pass


def arp(op, dst_mac, tha, tpa):
    eth = (dst_mac if op == 2 else b"\xff" * 6) + mac + b"\x08\x06"
    return eth + struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, mac, ip, tha, tpa)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_answer(frame):
    iph = frame[14:34]
    if frame[23] != 6 or iph[16:20] != ip:
        return None
    ihl = (frame[14] & 0xF) * 4
    t = frame[14 + ihl:]
    sport, dport, seq = struct.unpack("!HHI", t[:8])
    flags = t[13]
    if not flags & 0x02 or flags & 0x10:  # SYN without ACK only
        return None
    src = iph[12:16]
    reply_flags = 0x12 if dport == 22 else 0x14  # SYN-ACK or RST-ACK
    tcp = struct.pack("!HHIIBBHHH", dport, sport, 0x1000, seq + 1, 5 << 4, reply_flags, 64240, 0, 0)
    pseudo = ip + src + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    iphdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, ip, src)
    iphdr = iphdr[:10] + struct.pack("!H", csum(iphdr)) + iphdr[12:]
    return frame[6:12] + mac + b"\x08\x00" + iphdr + tcp


last = 0.0
while True:
    now = time.monotonic()
    if now - last >= 0.5:
        send(arp(1, None, b"\0" * 6, ip))  # gratuitous
        last = now
    r, _, _ = select.select([fd], [], [], 0.2)
    if not r:
        continue
    frame = os.read(fd, 2048)
    if len(frame) < 42:
        continue
    kind = frame[12:14]
    if kind == b"\x08\x06":
        op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", frame[14:42])
        if op == 1 and tpa == ip and spa != ip:
            send(arp(2, frame[6:12], sha, spa))
    elif kind == b"\x08\x00" and len(frame) >= 54:
        out = tcp_answer(frame)
        if out:
            send(out)
