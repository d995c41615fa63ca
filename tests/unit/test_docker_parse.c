/* Docker Engine API JSON (agent/docker/docker_parse.c), podman's variants
 * included, the exec stream demultiplexer and the probe output parser. */
#include "docker_parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* podman: Ports without IP, Networks keyed by name, no HostConfig */
static const char *LIST_ITEM =
    "{\"Id\":\"5caa00b3\",\"Names\":[\"/shop-web\"],\"Image\":\"localhost/lab:1\","
    "\"ImageID\":\"sha256:c97e\",\"Command\":\"httpd -f\",\"Created\":1795440860,"
    "\"Ports\":[{\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
    "{\"IP\":\"::\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
    "{\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},"
    "{\"PrivatePort\":53,\"Type\":\"udp\"}],"
    "\"Labels\":{\"com.docker.compose.project\":\"shop\",\"n\":3},\"State\":\"running\","
    "\"NetworkSettings\":{\"Networks\":{\"lab-apps\":{\"NetworkID\":\"lab-apps\","
    "\"IPAddress\":\"172.31.77.11\",\"MacAddress\":\"ea:05:03:aa:39:91\"}}}}";
static const char *INSPECT =
    "{\"Name\":\"shop-web\",\"HostConfig\":{\"NetworkMode\":\"bridge\"},"
    "\"Config\":{\"ExposedPorts\":{\"80/tcp\":{},\"9000/tcp\":{},\"bad\":{},\"70000/"
    "tcp\":{}}},"
    "\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"10.77.2.13\",\"HostPort\":"
    "\"8080\"}],\"9000/tcp\":null}}}";

static void test_container(void **state)
{
	(void)state;
	json_t *item = json_loads(LIST_ITEM, 0, NULL),
	       *ins = json_loads(INSPECT, 0, NULL);
	struct dk_container c;
	assert_int_equal(docker_parse_container(item, ins, "10.77.2.13", &c), 0);
	assert_string_equal(c.c.name, "shop-web");
	assert_string_equal(c.c.network_mode, "bridge");
	assert_int_equal(c.c.created_ms, 1795440860000LL);
	assert_int_equal(c.c.n_endpoints, 1);
	assert_string_equal(c.c.endpoints[0]->network, "lab-apps");
	assert_string_equal(c.c.endpoints[0]->ip, "172.31.77.11");
	assert_int_equal(c.c.n_labels, 1); /* the non-string label is dropped */
	/* 80->8080 (all addresses), 80->8080 on ::, 53/udp unpublished,
	 * 80->8080 on 10.77.2.13, 9000 exposed only; duplicates merged */
	assert_int_equal(c.c.n_ports, 5);
	assert_int_equal(c.nprobe, 1);
	assert_int_equal(c.probe_ports[0], 9000);
	docker_container_free(&c);
	/* without inspect: no exposed-only ports, name from Names */
	assert_int_equal(docker_parse_container(item, NULL, "", &c), 0);
	assert_int_equal(c.c.n_ports, 3);
	assert_int_equal(c.nprobe, 0);
	docker_container_free(&c);
	json_t *bad = json_loads("{\"Names\":[]}", 0, NULL);
	assert_int_equal(docker_parse_container(bad, NULL, "", &c), -1);
	json_decref(bad);
	json_decref(item);
	json_decref(ins);
}

static void test_network(void **state)
{
	(void)state;
	json_t *n =
	    json_loads("{\"Name\":\"lab-apps\",\"Id\":\"b60b\",\"Driver\":\"bridge\","
	               "\"IPAM\":{\"Config\":[{\"Subnet\":\"172.31.77.0/24\",\"Gateway\":"
	               "\"172.31.77.1\"},{\"Subnet\":\"fd00::/64\"}]}}",
	               0, NULL);
	struct dk_network d;
	assert_int_equal(docker_parse_network(n, "h", &d), 0);
	assert_int_equal(d.n.n_subnets, 2);
	assert_int_equal(d.n.n_gateways, 1);
	assert_string_equal(d.n.gateways[0], "172.31.77.1");
	docker_network_free(&d);
	json_decref(n);
	n = json_loads("{\"Name\":\"none\",\"IPAM\":{\"Config\":null}}", 0, NULL);
	assert_int_equal(docker_parse_network(n, "h", &d), 0);
	assert_int_equal(d.n.n_subnets, 0);
	docker_network_free(&d);
	json_decref(n);
}

static void test_demux(void **state)
{
	(void)state;
	char out[64];
	const uint8_t framed[] = {1, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c',
	                          2, 0, 0, 0, 0, 0, 0, 2, 'd', 'e'};
	assert_int_equal(docker_demux(framed, sizeof framed, out, sizeof out), 5);
	assert_string_equal(out, "abcde");
	/* a frame claiming more than there is: truncated, no overread */
	const uint8_t lying[] = {1, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 'x', 'y'};
	assert_int_equal(docker_demux(lying, sizeof lying, out, sizeof out), 2);
	assert_string_equal(out, "xy");
	/* raw (TTY) output */
	assert_int_equal(
	    docker_demux((const uint8_t *)"HTTP/1.0 200", 12, out, sizeof out), 12);
	/* output capped by the buffer */
	assert_int_equal(docker_demux(framed, sizeof framed, out, 3), 2);
	assert_string_equal(out, "ab");
	/* NUL bytes inside become spaces */
	const uint8_t nul[] = {1, 0, 0, 0, 0, 0, 0, 3, 'a', 0, 'b'};
	docker_demux(nul, sizeof nul, out, sizeof out);
	assert_string_equal(out, "a b");
}

static void test_probe(void **state)
{
	(void)state;
	struct dk_http h;
	docker_parse_probe(
	    "HTTP/1.0 200 OK\r\nServer: busybox\r\nContent-Type: text/html\r\n\r\n"
	    "<html><title>Shop</title></html>\n",
	    &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(h.server, "busybox");
	assert_string_equal(h.title, "Shop");
	assert_string_equal(h.body, "<html><title>Shop</title></html>\n");
	/* wget -S: indented headers on stderr */
	docker_parse_probe("  HTTP/1.1 404 Not Found\n  Server: nginx/1.22.1\n", &h);
	assert_int_equal(h.status, 404);
	assert_string_equal(h.server, "nginx/1.22.1");
	docker_parse_probe("sh: curl: not found\n", &h);
	assert_int_equal(h.status, 0);
	docker_parse_probe("HTTP/1.1 2x0\n", &h);
	assert_int_equal(h.status, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_container),
	    cmocka_unit_test(test_network),
	    cmocka_unit_test(test_demux),
	    cmocka_unit_test(test_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
