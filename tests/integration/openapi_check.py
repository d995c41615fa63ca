#!/usr/bin/env python3
"""Holds the gateway to its OpenAPI document.

  openapi_check.py routes DOC ROUTES   every served route is documented, and
                                       every documented path is served
  openapi_check.py responses DOC LOG   every recorded response (JSON lines of
                                       method, path, status, body) has its status
                                       documented and its body valid against the
                                       documented schema

Implements the JSON Schema subset the document uses ($ref, type, nullable,
required, properties, items, enum, minimum, maximum, minLength, maxItems).
Prints one line per problem and a closing count; exits 1 on any problem.
"""
import json
import sys

# Served outside the route table (no authentication, no tenant).
BUILTIN = {("GET", "/api/health"), ("GET", "/api/openapi.json")}


def template(path):
    return "/".join("{}" if p.startswith("{") else p for p in path.split("/"))


def check_routes(doc, routes_file):
    served = set()
    for line in open(routes_file):
        if line.strip():
            method, pattern = line.split()
            served.add((method, pattern))
    documented = {(m.upper(), template(p)) for p, ops in doc["paths"].items() for m in ops}
    problems = [f"served but not documented: {m} {p}" for m, p in sorted(served - documented)]
    problems += [f"documented but not served: {m} {p}"
                 for m, p in sorted(documented - served - BUILTIN)]
    return problems, len(served)


def resolve(doc, schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = doc["components"]["schemas"][name]
    return schema


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def validate(doc, schema, value, where):
    schema = resolve(doc, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
    t = schema.get("type")
    if t == "integer":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif t == "number":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif t in TYPES:
        ok = isinstance(value, TYPES[t])
    else:
        ok = True
    if not ok:
        return [f"{where}: expected {t}, got {type(value).__name__}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    if "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{where}: below {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        problems.append(f"{where}: above {schema['maximum']}")
    if t == "object":
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: missing '{key}'")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                problems += validate(doc, sub, value[key], f"{where}.{key}")
    if t == "array" and "items" in schema:
        for i, item in enumerate(value):
            problems += validate(doc, schema["items"], item, f"{where}[{i}]")
    return problems


def find_operation(doc, method, path):
    path = path.split("?", 1)[0]
    parts = path.split("/")
    for tpl, ops in doc["paths"].items():
        tparts = tpl.split("/")
        if len(tparts) == len(parts) and all(
                t.startswith("{") or t == p for t, p in zip(tparts, parts)):
            if method.lower() in ops:
                return tpl, ops[method.lower()]
    return None, None


def check_responses(doc, log_file):
    problems, n = [], 0
    for line in open(log_file):
        if not line.strip():
            continue
        rec = json.loads(line)
        n += 1
        what = f"{rec['method']} {rec['path']} -> {rec['status']}"
        tpl, op = find_operation(doc, rec["method"], rec["path"])
        if op is None:
            if rec["status"] not in (404, 405):
                problems.append(f"{what}: no such operation documented")
            continue
        resp = op["responses"].get(str(rec["status"]))
        if resp is None and rec["status"] == 304 and rec["method"] == "GET":
            continue  # the reply layer's ETag revalidation, for every GET
        if resp is None:
            problems.append(f"{what}: status not documented for {tpl}")
            continue
        content = resp.get("content", {}).get("application/json")
        if content is None:
            continue
        try:
            body = json.loads(rec["body"])
        except ValueError:
            if len(resp.get("content", {})) > 1:
                continue  # a documented text rendering (mermaid, dot)
            problems.append(f"{what}: body is not JSON")
            continue
        problems += [f"{what}: {p}" for p in validate(doc, content["schema"], body, "body")]
    return problems, n


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("routes", "responses"):
        print(__doc__)
        return 2
    doc = json.load(open(sys.argv[2]))
    check = check_routes if sys.argv[1] == "routes" else check_responses
    problems, n = check(doc, sys.argv[3])
    for p in problems:
        print(p)
    print(f"{n} {sys.argv[1]} checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
