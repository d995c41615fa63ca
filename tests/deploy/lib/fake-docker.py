#!/usr/bin/env python3
"""A stand-in for the Docker socket: answers every request on a unix socket
with 200 and a JSON echo of the method and path, so a test can tell which
requests a proxy let through.  usage: fake-docker.py SOCKET_PATH"""
import http.server
import json
import os
import socketserver
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = json.dumps({"method": self.command, "path": self.path, "fake": "docker"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_DELETE = do_PUT = do_HEAD = _answer

    def address_string(self):
        return "unix"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake-docker: " + (fmt % args) + "\n")


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


path = sys.argv[1]
if os.path.exists(path):
    os.unlink(path)
with Server(path, Handler) as s:
    s.serve_forever()
