#!/usr/bin/env python3
"""Unit tests of the lab scorer and truth generator (no root, no lab needed).

  python3 tests/lab/test_score.py
"""
import copy
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import unittest

sys.dont_write_bytecode = True  # keep the source tree clean

HERE = os.path.dirname(os.path.abspath(__file__))


def load_script(name):
    loader = importlib.machinery.SourceFileLoader(name, os.path.join(HERE, name))
    spec = importlib.util.spec_from_loader(name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


score = load_script("score")
sys.path.insert(0, HERE)
import labgen  # noqa: E402


def perfect_report(truth):
    hosts = [{"hostname": h["fqdn"],
              "interfaces": [{"ip": i["ip"], "mac": i["mac"], "subnet": i["cidr"]} for i in h["interfaces"]],
              "services": [{"name": s["name"], "protocol": s["protocol"], "port": s["port"],
                            "product": s["product"], "version": s["version"]} for s in h["services"]]}
             for h in truth["hosts"]]
    links = [{"a": l["a"], "b": l["b"]} for l in truth["links"]]
    return hosts, links


class ScoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.truth = labgen.truth(labgen.load(), with_versions=False)

    def test_perfect_report_scores_one(self):
        hosts, links = perfect_report(self.truth)
        res, misses = score.score(self.truth, hosts, links)
        for k in ("hosts", "ports", "services", "links"):
            self.assertEqual(res[k]["precision"], 1.0, k)
            self.assertEqual(res[k]["recall"], 1.0, k)
        self.assertEqual(res["hostnames"]["accuracy"], 1.0)
        self.assertTrue(all(not v for v in misses.values()), misses)
        self.assertEqual(res["ignored_scanner_hosts"], 1)

    def test_aliases_are_accepted_but_other_names_are_not(self):
        hosts, _ = perfect_report(self.truth)
        for h in hosts:
            for s in h["services"]:
                if s["name"] == "openssh":
                    s["name"] = "ssh"
                elif s["name"] == "nginx":
                    s["name"] = "http"  # not an alias: http is not nginx
        res, misses = score.score(self.truth, hosts, None)
        nginx = sum(1 for h in self.truth["hosts"] for s in h["services"] if s["name"] == "nginx")
        self.assertEqual(res["services"]["correct"], res["services"]["expected"] - nginx)
        self.assertEqual(len(misses["services_wrong"]), nginx)
        self.assertIsNone(res["links"]["recall"])

    def test_router_seen_twice_is_one_host(self):
        hosts, _ = perfect_report(self.truth)
        rtr = next(h for h in hosts if h["hostname"].startswith("rtr1"))
        hosts.remove(rtr)
        for i in rtr["interfaces"]:  # as nmap reports it: one host per address
            hosts.append({"hostname": None, "interfaces": [i], "services": rtr["services"]})
        res, _ = score.score(self.truth, hosts, None)
        self.assertEqual(res["hosts"]["recall"], 1.0)
        self.assertEqual(res["hosts"]["duplicates"], 1)
        self.assertEqual(res["ports"]["precision"], 1.0)

    def test_missing_and_extra(self):
        hosts, links = perfect_report(self.truth)
        hosts = [h for h in hosts if not h["hostname"].startswith("web1")]
        hosts.append({"hostname": "ghost", "interfaces": [{"ip": "10.77.1.99"}],
                      "services": [{"name": "http", "protocol": "tcp", "port": 80}]})
        links = links[1:] + [{"a": {"device": "sw1", "port": "swp7"}, "b": {"device": "10.77.1.12", "port": "eth0"}}]
        res, misses = score.score(self.truth, hosts, links)
        self.assertEqual(res["hosts"]["found"], res["hosts"]["expected"] - 1)
        self.assertEqual(res["hosts"]["false_positive"], 1)
        self.assertIn("web1", misses["hosts_missed"])
        self.assertEqual(res["links"]["correct"], res["links"]["expected"] - 1)
        self.assertEqual(misses["links_extra"], ["sw1:swp7 - web1:eth0"])

    def test_report_file_shapes(self):
        hosts, links = perfect_report(self.truth)
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"score-test-{os.getpid()}.json")
        try:
            for data in (hosts + [{"links": links}], {"hosts": hosts, "links": links}):
                with open(path, "w") as f:
                    json.dump(data, f)
                h, l = score.load_report(path)
                self.assertEqual(len(h), len(hosts))
                self.assertEqual(len(l), len(links))
        finally:
            os.unlink(path)

    def test_nmap_names(self):
        self.assertEqual(score.nmap_service_name({"name": "http", "product": "nginx"}), "nginx")
        self.assertEqual(score.nmap_service_name({"name": "mosquitto version 2.0.11"}), "mqtt")
        self.assertEqual(score.nmap_service_name({"name": "http", "tunnel": "ssl"}), "https")
        self.assertIsNone(score.nmap_service_name({"name": "unknown"}))


class TruthTest(unittest.TestCase):
    def test_checked_in_truth_matches_lab_json(self):
        """truth.json is generated: it must be what lab.json says (versions aside)."""
        with open(os.path.join(HERE, "truth.json")) as f:
            checked_in = json.load(f)
        fresh = labgen.truth(labgen.load(), with_versions=False)

        def strip(t):
            t = copy.deepcopy(t)
            t.pop("lldpd_version", None)
            for h in t["hosts"]:
                for s in h["services"]:
                    s.pop("version", None)
            return t
        self.assertEqual(strip(checked_in), strip(fresh), "run: tests/lab/labgen.py truth -o tests/lab/truth.json")

    def test_plan_has_every_node(self):
        lab = labgen.load()
        plan = labgen.plan(lab)
        nodes = [l.split("\t")[1] for l in plan.splitlines() if l.startswith("node\t")]
        self.assertEqual(len(nodes), len(lab["nodes"]))
        self.assertGreaterEqual(sum(1 for n in lab["nodes"] if n["kind"] == "host"), 12)

    def test_no_default_route(self):
        plan = labgen.plan(labgen.load())
        for l in plan.splitlines():
            if l.startswith("route\t"):
                self.assertNotIn(l.split("\t")[2], ("0.0.0.0/0", "default"))

    def test_labgen_cli(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "labgen.py"), "truth", "--no-versions"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn('"hosts"', out)


if __name__ == "__main__":
    unittest.main(verbosity=1)
