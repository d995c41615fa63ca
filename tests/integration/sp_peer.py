#!/usr/bin/env python3
"""Stand-ins on the network path to ServerPoll daemons, for
server_poll_lease.sh:

  sp_peer.py mute PORT
      accepts connections and never says anything (a daemon that hangs);
  sp_peer.py proxy PORT UPSTREAM_PORT DIR
      forwards each HTTP request to the real daemon on UPSTREAM_PORT and its
      answer back. While DIR/hold exists, the answer to POST /v1/jobs is held
      (the daemon already has the job) and DIR/held is written, until DIR/hold
      is removed. It appends to DIR/calls one line per request and keeps in
      DIR/max_concurrent the most requests it ever had in flight at the daemon
      at once (from receiving one until the daemon's answer is in).
"""
import os
import socket
import sys
import threading
import time


def mute(port):
    srv = socket.create_server(("127.0.0.1", port), backlog=64)
    held = []
    while True:
        conn, _ = srv.accept()
        held.append(conn)  # never read, never answered, never closed


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    # one request per connection: ask the daemon to close after answering
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"connection:")]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n" + body, lines[0]


state = {"now": 0, "max": 0}
lock = threading.Lock()


def serve(conn, upstream, d):
    req = read_request(conn)
    if not req:
        conn.close()
        return
    raw, first = req
    with lock:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        with open(os.path.join(d, "max_concurrent"), "w") as f:
            f.write("%d\n" % state["max"])
        with open(os.path.join(d, "calls"), "a") as f:
            f.write("%.3f %s\n" % (time.time(), first.decode(errors="replace")))
    counted = True
    try:
        up = socket.create_connection(("127.0.0.1", upstream))
        up.sendall(raw)
        answer = b""
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            answer += chunk
        up.close()
        with lock:  # the daemon has answered: no longer in flight there
            state["now"] -= 1
            counted = False
        if first.startswith(b"POST /v1/jobs ") and os.path.exists(os.path.join(d, "hold")):
            open(os.path.join(d, "held"), "w").close()
            while os.path.exists(os.path.join(d, "hold")):
                time.sleep(0.05)
        conn.sendall(answer)
    except OSError:
        pass
    finally:
        if counted:
            with lock:
                state["now"] -= 1
        conn.close()


def proxy(port, upstream, d):
    srv = socket.create_server(("127.0.0.1", port), backlog=64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, upstream, d), daemon=True).start()


if __name__ == "__main__":
    if sys.argv[1] == "mute":
        mute(int(sys.argv[2]))
    else:
        proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
