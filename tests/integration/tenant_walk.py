#!/usr/bin/env python3
"""Walks every GET route of the OpenAPI document as one caller, with the
caller's own ids and with foreign ones, and holds every answer to: no foreign
id anywhere in it, and a foreign id in the path is 404. Routes come from the
document, so a new route is walked without touching this file; a path
parameter whose resource it knows no id for is a failure (add the id).

  tenant_walk.py DOC BASE_URL HEADER OWN.json FOREIGN.json FOREIGN_SET LOG

OWN.json and FOREIGN.json map a path parameter's resource (the path segment
before it: networks, hosts, ...) to an id of that kind the caller owns, and
one of the other tenant (or network). FOREIGN_SET holds every id (one a line)
the caller must never see. Each exchange is appended to LOG (JSON lines, as
api_walk records them) for the OpenAPI response check. Streams (text/event-
stream) are read for a few seconds. Prints one line per problem and a count;
exits 1 on any problem.
"""
import http.client
import json
import re
import socket
import sys
import urllib.parse

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def call(base, header, path, stream):
    """GET path with the one header: (status, body text). A stream is read
    for two seconds."""
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    name, _, value = header.partition(":")
    try:
        conn.request("GET", path, headers={name.strip(): value.strip()})
        resp = conn.getresponse()
        if not stream:
            return resp.status, resp.read().decode(errors="replace")
        conn.sock.settimeout(2)
        chunks = []
        try:
            while chunk := resp.read1(4096):
                chunks.append(chunk)
        except (socket.timeout, TimeoutError):
            pass
        return resp.status, b"".join(chunks).decode(errors="replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, str(e)
    finally:
        conn.close()


# Query parameters whose name does not say their resource.
QUERY_RESOURCE = {"parent_host_id": "hosts"}


def resource(segments, i):
    """The resource a path parameter at segments[i] names: the segment before
    it (networks/{id} -> networks; access/{user_id} -> users)."""
    name = segments[i - 1]
    return {"access": "users"}.get(name, name)


def fill(path, ids):
    """The path with each {param} replaced by ids[its resource]; None when a
    resource has no id."""
    segs = path.split("/")
    out = []
    for i, s in enumerate(segs):
        if s.startswith("{"):
            r = resource(segs, i)
            if r not in ids:
                return None, r
            out.append(ids[r])
        else:
            out.append(s)
    return "/".join(out), None


def mixes(path, own, foreign):
    """Every way to fill the path with at least one foreign id: all foreign,
    and each parameter foreign alone (the rest the caller's own)."""
    n = path.count("{")
    yield fill(path, foreign)
    if n > 1:
        segs = path.split("/")
        params = [i for i, s in enumerate(segs) if s.startswith("{")]
        for k in params:
            mixed = list(segs)
            for i in params:
                r = resource(segs, i)
                src = foreign if i == k else own
                if r not in src:
                    yield None, r
                    break
                mixed[i] = src[r]
            else:
                yield "/".join(mixed), None


def main():
    doc_f, base, header, own_f, foreign_f, set_f, log_f = sys.argv[1:8]
    doc = json.load(open(doc_f))
    own = json.load(open(own_f))
    foreign = json.load(open(foreign_f))
    forbidden = {l.strip() for l in open(set_f) if l.strip()}
    log = open(log_f, "a")
    problems, calls = [], 0

    def walk(path, stream, expect):
        nonlocal calls
        code, body = call(base, header, path, stream)
        calls += 1
        if not stream:
            log.write(json.dumps({"method": "GET", "path": path,
                                  "status": code, "body": body}) + "\n")
        leaked = sorted(set(UUID.findall(body)) & forbidden)
        if leaked:
            problems.append(f"GET {path}: {code} shows foreign ids {leaked[:3]}")
        if expect and code not in expect:
            problems.append(f"GET {path}: {code}, expected {sorted(expect)}")
        if code >= 500 or code == 0:
            problems.append(f"GET {path}: {code}")
        return code

    for path, ops in sorted(doc["paths"].items()):
        if "get" not in ops:
            continue
        op = ops["get"]
        stream = "text/event-stream" in json.dumps(op.get("responses", {}).get("200", {}))
        own_path, missing = fill(path, own)
        if missing:
            problems.append(f"GET {path}: no own id known for '{missing}'")
            continue
        # The caller's own ids answer (or the role may not use the route),
        # so a 404 below is about the foreign id, not a broken path.
        own_code = walk(own_path, stream, {200, 403})
        # A role that may not use the route at all is refused either way.
        refused = {403} if own_code == 403 else set()
        for p, missing in (mixes(path, own, foreign) if "{" in path else []):
            if missing:
                problems.append(f"GET {path}: no foreign id known for '{missing}'")
                continue
            if p == own_path:
                continue  # an organisation's own row, shared by both networks
            walk(p, stream, {404} | refused)
        # Query parameters naming ids, given a foreign id: nothing foreign
        # comes back (an empty list, or 404).
        for prm in op.get("parameters", []):
            name = prm.get("name", "")
            # (A number named *_id, e.g. a VLAN's outer_vlan_id, names no row.)
            number = prm.get("schema", {}).get("type") == "integer"
            if prm.get("in") == "query" and name.endswith("_id") and not number:
                r = QUERY_RESOURCE.get(name, name[:-3] + "s")
                if r not in foreign:
                    problems.append(f"GET {path}?{name}: no foreign id known for '{r}'")
                    continue
                walk(f"{own_path}?{name}={foreign[r]}", stream, None)
    for p in problems:
        print(p)
    print(f"{calls} calls as {header.split(':')[0]}, {len(problems)} problem(s)")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
