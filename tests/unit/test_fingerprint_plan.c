/* The probe plan derived from the shipped definitions: no definition relies
 * on evidence the plan never asks daemons for, and every fixture is evidence
 * a daemon following the plan could have gathered. */
#include "fp.h"
#include "model.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static struct fp_set *set;
static json_t *plan;
static int problems;

static int setup(void **state)
{
	(void)state;
	const char *dirs[] = {FP_DEFAULT_DEFINITIONS_DIR};
	struct fp_load_opts o = {dirs, 1, NULL};
	if (fp_set_load(&o, &set, NULL))
		return -1;
	char *text = fp_plan_json(set);
	json_error_t e;
	plan = text ? json_loads(text, 0, &e) : NULL;
	free(text);
	return plan ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(plan);
	fp_set_unref(set);
	return 0;
}

static bool in_array(json_t *a, unsigned port)
{
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v) if (json_integer_value(v) == port) return true;
	return false;
}

static bool scanned(struct fp_port p)
{
	return in_array(
	    json_object_get(plan, p.proto == FP_PROTO_UDP ? "udp_ports" : "tcp_ports"),
	    p.port);
}

static json_t *probe(const char *id, bool udp)
{
	json_t *all = json_object_get(plan, "probes");
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *v = json_array_get(all, i);
		if (!strcmp(json_string_value(json_object_get(v, "id")), id) &&
		    !strcmp(json_string_value(json_object_get(v, "protocol")),
		            udp ? "udp" : "tcp"))
			return v;
	}
	return NULL;
}

static bool path_requested(const char *path, unsigned port)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(plan, "http"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "path")), path))
			continue;
		json_t *ports = json_object_get(v, "ports");
		if (json_is_string(ports) || (port && in_array(ports, port)))
			return true;
	}
	return false;
}

static bool flag(const char *key)
{
	json_t *v = json_object_get(plan, key);
	if (json_is_object(v))
		v = json_object_get(v, "wanted");
	return json_is_true(v);
}

static void problem(const struct fp_def *d, int line, const char *what)
{
	fprintf(stderr, "%s (%s:%d): %s\n", d->id, d->file, line, what);
	problems++;
}

static void check_leaf(const struct fp_def *d, const struct fp_node *r)
{
	const struct fp_port *ports = r->nports ? r->ports : d->ports;
	int np = r->nports ? r->nports : d->nports;
	char msg[256];
	for (int i = 0; i < r->nkids; i++)
		check_leaf(d, r->kids[i]);
	if (r->kind == N_PORT || r->kind == N_HOST_PORT || r->kind == N_AT)
		for (int i = 0; i < r->nports; i++)
			if (r->ports[i].port != FP_PORT_ANY && !scanned(r->ports[i]))
				problem(d, r->line, "a port it tests is never scanned");
	switch (r->kind) {
	case N_BANNER:
	case N_UDP:
		if (!r->probe) {
			if (!json_is_true(json_object_get(
			        json_object_get(plan, "greeting"), "wanted")))
				problem(d, r->line, "greetings are never read");
			break;
		}
		json_t *p = probe(r->probe, r->kind == N_UDP);
		if (!p) {
			problem(d, r->line, "its probe is not in the plan");
			break;
		}
		for (int i = 0; i < np; i++)
			if (ports[i].port != FP_PORT_ANY &&
			    ports[i].proto ==
			        (r->kind == N_UDP ? FP_PROTO_UDP : FP_PROTO_TCP) &&
			    !in_array(json_object_get(p, "ports"), ports[i].port)) {
				snprintf(msg, sizeof msg, "probe %s is never sent to %u",
				         r->probe, ports[i].port);
				problem(d, r->line, msg);
			}
		break;
	case N_HTTP:
		for (int i = 0; i < np; i++)
			if (r->path && strcmp(r->path, "/") &&
			    !path_requested(r->path, ports[i].port == FP_PORT_ANY
			                                 ? 0
			                                 : ports[i].port)) {
				snprintf(msg, sizeof msg, "GET %s is never sent to %u",
				         r->path, ports[i].port);
				problem(d, r->line, msg);
			}
		break;
	case N_TLS:
		for (int i = 0; i < np; i++)
			if (!in_array(
			        json_object_get(json_object_get(plan, "tls"), "ports"),
			        ports[i].port))
				problem(d, r->line, "no TLS handshake on its ports");
		break;
	case N_SNMP:
		if (!flag("snmp"))
			problem(d, r->line, "SNMP is never queried");
		break;
	case N_DOCKER:
		if (!flag("docker"))
			problem(d, r->line, "Docker is never asked");
		break;
	case N_MDNS:
		if (!flag("mdns"))
			problem(d, r->line, "mDNS is never browsed");
		break;
	case N_SSDP:
		if (!flag("ssdp"))
			problem(d, r->line, "SSDP is never searched");
		break;
	case N_MAC:
	case N_GATEWAY:
		if (!flag("arp"))
			problem(d, r->line, "MAC addresses are never collected");
		break;
	case N_NAME:
		if (!flag("names"))
			problem(d, r->line, "names are never resolved");
		break;
	default:
		break;
	}
}

static void no_definition_relies_on_unprobed_evidence(void **state)
{
	(void)state;
	problems = 0;
	for (size_t i = 0; i < set->ndefs; i++) {
		const struct fp_def *d = &set->defs[i];
		for (int k = 0; k < d->nports; k++)
			if (!scanned(d->ports[k]))
				problem(d, d->line, "a well-known port is not scanned");
		check_leaf(d, d->rule);
	}
	assert_int_equal(problems, 0);
}

static void every_fixture_is_what_the_plan_gathers(void **state)
{
	(void)state;
	problems = 0;
	char msg[256];
	for (size_t i = 0; i < set->ndefs; i++) {
		const struct fp_def *d = &set->defs[i];
		const struct fp_fixture *f = d->fixture;
		if (!f)
			continue;
		if ((f->mac || f->gateway) && !flag("arp"))
			problem(d, d->line, "fixture has a MAC the plan never collects");
		for (size_t k = 0; k < f->nitems; k++) {
			const struct fp_fx_item *it = &f->items[k];
			json_t *p = it->probe && it->probe[0]
			                ? probe(it->probe, it->kind == FX_UDP)
			                : NULL;
			switch (it->kind) {
			case FX_BANNER:
			case FX_UDP:
				if (it->probe && it->probe[0] &&
				    (!p || !in_array(json_object_get(p, "ports"),
				                     it->port.port))) {
					snprintf(msg, sizeof msg,
					         "fixture answers probe %s on %u, never "
					         "sent there",
					         it->probe, it->port.port);
					problem(d, d->line, msg);
				}
				break;
			case FX_HTTP:
				if (it->path && strcmp(it->path, "/") &&
				    !path_requested(it->path, it->port.port)) {
					snprintf(msg, sizeof msg,
					         "fixture has GET %s on %u, never sent",
					         it->path, it->port.port);
					problem(d, d->line, msg);
				}
				break;
			case FX_TLS:
				if (!in_array(json_object_get(
				                  json_object_get(plan, "tls"), "ports"),
				              it->port.port))
					problem(
					    d, d->line,
					    "fixture has TLS where none is attempted");
				break;
			case FX_SNMP:
				if (!flag("snmp"))
					problem(d, d->line,
					        "fixture has SNMP, never queried");
				break;
			case FX_NAME:
				if (it->source && !strcmp(it->source, "mdns") &&
				    !flag("mdns"))
					problem(d, d->line,
					        "fixture has mDNS, never browsed");
				if (it->source && !strcmp(it->source, "ssdp") &&
				    !flag("ssdp"))
					problem(d, d->line,
					        "fixture has SSDP, never searched");
				break;
			case FX_DOCKER:
				if (!flag("docker"))
					problem(d, d->line,
					        "fixture has Docker, never asked");
				break;
			case FX_OPEN:
				break;
			}
		}
	}
	assert_int_equal(problems, 0);
}

static void the_plan_is_versioned_by_its_content(void **state)
{
	(void)state;
	char *a = fp_plan_json(set), *b = fp_plan_json(set);
	assert_string_equal(a, b);
	const char *v = json_string_value(json_object_get(plan, "plan_version"));
	assert_non_null(v);
	assert_memory_equal(v, "sha256:", 7);
	printf(
	    "probe plan %s: %zu TCP ports, %zu UDP ports, %zu HTTP paths, %zu probes\n",
	    v, json_array_size(json_object_get(plan, "tcp_ports")),
	    json_array_size(json_object_get(plan, "udp_ports")),
	    json_array_size(json_object_get(plan, "http")),
	    json_array_size(json_object_get(plan, "probes")));
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_definition_relies_on_unprobed_evidence),
	    cmocka_unit_test(every_fixture_is_what_the_plan_gathers),
	    cmocka_unit_test(the_plan_is_versioned_by_its_content),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
