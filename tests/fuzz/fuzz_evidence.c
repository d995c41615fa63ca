/* libFuzzer target: hostile evidence against every shipped definition. The
 * input is an ObservationBatch when it decodes as one; otherwise its bytes
 * become every kind of evidence at once (banner, UDP reply, HTTP body, title
 * and headers, TLS fields, SNMP, mDNS, Docker image). Both matchers run and
 * must agree exactly (the index is a superset filter, never a different
 * answer); match limits keep backtracking bait from stalling. */
#include "fp.h"
#include "oui.h"
#include "sc_batch.h"
#include "sc_log.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fp_set *set;
static struct fp_ctx *ctx;

/* Loading compiles every definition's patterns (Hyperscan), seconds under
 * the sanitizers: done once before fuzzing, so libFuzzer's per-input
 * timeout never counts it against the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	sc_log_init("fuzz_evidence");
	sc_log_set_level("error");
	struct fp_oui *oui = fp_oui_load("/usr/share/ieee-data"); /* kept: process life */
	const char *dirs[] = {FP_DEFAULT_DEFINITIONS_DIR};
	struct fp_load_opts o = {dirs, 1, oui};
	if (fp_set_load(&o, &set, NULL) || !(ctx = fp_ctx_new()))
		abort();
	return 0;
}

/* What a match list says, for comparing the two matchers. */
static char *summary(Scanopy__V1__ServiceMatch **m, size_t n)
{
	size_t cap = 64 + n * 256, w = 0;
	char *s = malloc(cap);
	if (!s)
		abort();
	s[0] = '\0';
	for (size_t i = 0; i < n && w < cap; i++)
		w += (size_t)snprintf(
		    s + w, cap - w, "%s|%s|%u|%u|%s|%s|%zu\n", m[i]->definition_id,
		    m[i]->ip, m[i]->port, m[i]->confidence,
		    m[i]->product ? m[i]->product : "",
		    m[i]->version ? m[i]->version : "", m[i]->n_evidence);
	return s;
}

static void both(const Scanopy__V1__ObservationBatch *b, int raw)
{
	Scanopy__V1__ServiceMatch **m;
	size_t n;
	if (fp_classify(ctx, set, b, raw, &m, &n))
		abort();
	char *fast = summary(m, n);
	if (fp_classify(ctx, set, b, raw | FP_NAIVE, &m, &n))
		abort();
	char *slow = summary(m, n);
	if (strcmp(fast, slow)) {
		fprintf(stderr, "indexed and naive matchers disagree:\n%s---\n%s", fast,
		        slow);
		abort();
	}
	free(fast);
	free(slow);
}

/* The input as every kind of evidence about one host. */
static void as_evidence(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0'; /* strings stop at the first NUL, as protobuf-c's do */
	const char *ip = "198.51.100.7";
	Scanopy__V1__Banner bn = SCANOPY__V1__BANNER__INIT;
	bn.ip = (char *)ip;
	bn.port = size ? data[0] : 22;
	bn.has_port = 1;
	bn.probe = size > 1 && data[1] & 1 ? "redis-info" : "";
	bn.data.data = (uint8_t *)data;
	bn.data.len = size;
	bn.has_data = 1;
	Scanopy__V1__UdpReply ur = SCANOPY__V1__UDP_REPLY__INIT;
	ur.ip = (char *)ip;
	ur.port = 161;
	ur.has_port = 1;
	ur.probe = "snmpv3-discover";
	ur.payload.data = (uint8_t *)data;
	ur.payload.len = size;
	ur.has_payload = 1;
	Scanopy__V1__HttpHeader h1 = SCANOPY__V1__HTTP_HEADER__INIT,
	                        h2 = SCANOPY__V1__HTTP_HEADER__INIT;
	h1.name = "Server";
	h1.value = text;
	h2.name = "X-Jenkins";
	h2.value = text;
	Scanopy__V1__HttpHeader *hs[] = {&h1, &h2};
	Scanopy__V1__HttpResponse hr = SCANOPY__V1__HTTP_RESPONSE__INIT;
	hr.ip = (char *)ip;
	hr.port = 8080;
	hr.has_port = 1;
	hr.path = "/";
	hr.scheme = "http";
	hr.status = 200;
	hr.has_status = 1;
	hr.title = text;
	hr.headers = hs;
	hr.n_headers = 2;
	hr.body_prefix.data = (uint8_t *)data;
	hr.body_prefix.len = size;
	hr.has_body_prefix = 1;
	Scanopy__V1__TlsInfo tls = SCANOPY__V1__TLS_INFO__INIT;
	tls.ip = (char *)ip;
	tls.port = 443;
	tls.has_port = 1;
	tls.subject = text;
	tls.issuer = text;
	Scanopy__V1__SnmpSystem sn = SCANOPY__V1__SNMP_SYSTEM__INIT;
	sn.ip = (char *)ip;
	sn.sys_descr = text;
	sn.sys_object_id = text;
	char *types[] = {text};
	Scanopy__V1__NameRecord nr = SCANOPY__V1__NAME_RECORD__INIT;
	nr.ip = (char *)ip;
	nr.source = SCANOPY__V1__NAME_SOURCE__NAME_MDNS;
	nr.has_source = 1;
	nr.name = text;
	nr.service_types = types;
	nr.n_service_types = 1;
	Scanopy__V1__DockerContainer dc = SCANOPY__V1__DOCKER_CONTAINER__INIT;
	dc.host_ip = (char *)ip;
	dc.image = text;
	Scanopy__V1__Observation o[7];
	for (int i = 0; i < 7; i++)
		scanopy__v1__observation__init(&o[i]);
	o[0].kind_case = SCANOPY__V1__OBSERVATION__KIND_BANNER;
	o[0].banner = &bn;
	o[1].kind_case = SCANOPY__V1__OBSERVATION__KIND_UDP_REPLY;
	o[1].udp_reply = &ur;
	o[2].kind_case = SCANOPY__V1__OBSERVATION__KIND_HTTP;
	o[2].http = &hr;
	o[3].kind_case = SCANOPY__V1__OBSERVATION__KIND_TLS;
	o[3].tls = &tls;
	o[4].kind_case = SCANOPY__V1__OBSERVATION__KIND_SNMP_SYSTEM;
	o[4].snmp_system = &sn;
	o[5].kind_case = SCANOPY__V1__OBSERVATION__KIND_NAME;
	o[5].name = &nr;
	o[6].kind_case = SCANOPY__V1__OBSERVATION__KIND_CONTAINER;
	o[6].container = &dc;
	Scanopy__V1__Observation *obs[] = {&o[0], &o[1], &o[2], &o[3],
	                                   &o[4], &o[5], &o[6]};
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	b.observations = obs;
	b.n_observations = 7;
	both(&b, 0);
	both(&b, FP_RAW);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Scanopy__V1__ObservationBatch *b =
	    scanopy__v1__observation_batch__unpack(NULL, size, data);
	if (b) {
		both(b, 0);
		both(b, FP_RAW);
		scanopy__v1__observation_batch__free_unpacked(b, NULL);
		return 0;
	}
	as_evidence(data, size);
	return 0;
}
