#!/usr/bin/env python3
"""Listens on TCP ports FIRST..LAST of ADDRESS and closes every connection at
once: a host with many open ports, so that a scan of it fills several
observation batches. usage: listeners.py ADDRESS FIRST LAST"""
import resource
import selectors
import socket
import sys

addr, first, last = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
for port in range(first, last + 1):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        try:
            conn, _ = key.fileobj.accept()
            conn.close()
        except OSError:
            pass
