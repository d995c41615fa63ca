#include "docker_collect.h"
#include "docker_http.h"
#include "docker_parse.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sink.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends s to dst, truncating to fit. */
static void append(char *dst, size_t cap, const char *s)
{
	size_t l = strlen(dst);
	while (*s && l + 1 < cap)
		dst[l++] = *s++;
	dst[l] = 0;
}

static void note(struct docker_stats *st, const char *a, const char *b)
{
	if (*st->error)
		append(st->error, sizeof st->error, "; ");
	append(st->error, sizeof st->error, a);
	append(st->error, sizeof st->error, b);
}

/* GET path as JSON (object or array); NULL with why on failure. */
static json_t *get_json(const struct docker_api *a, const char *path, long timeout_ms,
                        char *why, size_t whylen)
{
	struct docker_reply r;
	if (docker_request(a, "GET", path, NULL, timeout_ms, &r, why, whylen))
		return NULL;
	json_t *j = NULL;
	if (r.status / 100 != 2)
		docker_status_reason("GET", path, r.status, why, whylen);
	else {
		json_error_t e;
		j = json_loadb((const char *)r.body, r.len, 0, &e);
		if (!j)
			snprintf(why, whylen, "GET %s: the answer is not JSON (%s)", path,
			         e.text);
	}
	free(r.body);
	return j;
}

struct probe_job {
	const struct docker_api *api;
	struct sink *sink;
	struct dk_container *c;
	char ip[64];
};

struct probe_run {
	struct probe_job *jobs;
	size_t n;
	atomic_size_t next;
	atomic_bool denied;
	atomic_uint probes, ok, skipped;
	int64_t deadline;
	pthread_mutex_t lock;
	char denied_why[512];
	char skipped_names[512];
};

static void skipped(struct probe_run *r, const char *name)
{
	pthread_mutex_lock(&r->lock);
	size_t l = strlen(r->skipped_names);
	if (l + strlen(name) + 3 < sizeof r->skipped_names)
		snprintf(r->skipped_names + l, sizeof r->skipped_names - l, "%s%s",
		         l ? ", " : "", name);
	pthread_mutex_unlock(&r->lock);
	atomic_fetch_add(&r->skipped, 1);
}

/* Run inside the container with the port as $1: a raw HTTP/1.0 GET with
 * nc (busybox images), else curl -si, else wget -S; whichever exists. */
#define PROBE_SCRIPT                                                                     \
	"r=$(printf 'GET / HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\n\\r\\n' | nc -w 2 "        \
	"127.0.0.1 $1 "                                                                  \
	"2>/dev/null); if [ -n \"$r\" ]; then echo \"$r\"; else curl -si -m 2 "          \
	"http://127.0.0.1:$1/ 2>/dev/null || wget -q -S -O - -T 2 http://127.0.0.1:$1/ " \
	"2>&1; fi"

/* One exec: create, start (the multiplexed stream until EOF), inspect. */
static int probe_port(struct probe_run *r, struct probe_job *j, uint32_t port)
{
	char path[256], body[512], why[512];
	long left = (long)(r->deadline - sc_now_ms());
	if (left < 500)
		return -1;
	snprintf(path, sizeof path, "/containers/%s/exec", j->c->c.id);
	char portarg[8];
	snprintf(portarg, sizeof portarg, "%u", port);
	json_t *req =
	    json_pack("{s:b,s:b,s:b,s:[s,s,s,s,s]}", "AttachStdout", 1, "AttachStderr", 1,
	              "Tty", 0, "Cmd", "sh", "-c", PROBE_SCRIPT, "probe", portarg);
	char *js = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!js || strlen(js) >= sizeof body) {
		free(js);
		return -1;
	}
	snprintf(body, sizeof body, "%s", js);
	free(js);
	struct docker_reply rep;
	if (docker_request(j->api, "POST", path, body, left, &rep, why, sizeof why))
		return -1;
	if (rep.status == 403 || rep.status == 401) {
		docker_status_reason("POST", path, rep.status, why, sizeof why);
		pthread_mutex_lock(&r->lock);
		if (!atomic_exchange(&r->denied, true))
			snprintf(r->denied_why, sizeof r->denied_why, "%s", why);
		pthread_mutex_unlock(&r->lock);
		free(rep.body);
		return -1;
	}
	json_t *created = rep.status / 100 == 2
	                      ? json_loadb((const char *)rep.body, rep.len, 0, NULL)
	                      : NULL;
	free(rep.body);
	const char *eid = json_string_value(json_object_get(created, "Id"));
	if (!eid) {
		json_decref(created);
		return -1;
	}
	char exec_id[128];
	snprintf(exec_id, sizeof exec_id, "%s", eid);
	json_decref(created);
	atomic_fetch_add(&r->probes, 1);
	snprintf(path, sizeof path, "/exec/%s/start", exec_id);
	left = (long)(r->deadline - sc_now_ms());
	if (docker_request(j->api, "POST", path, "{\"Detach\":false,\"Tty\":false}",
	                   left > 500 ? left : 500, &rep, why, sizeof why))
		return -1;
	/* 200 with the stream, or 101 (upgraded) with it after the headers */
	if (rep.status == 403) {
		docker_status_reason("POST", path, rep.status, why, sizeof why);
		pthread_mutex_lock(&r->lock);
		if (!atomic_exchange(&r->denied, true))
			snprintf(r->denied_why, sizeof r->denied_why, "%s", why);
		pthread_mutex_unlock(&r->lock);
		free(rep.body);
		return -1;
	}
	char text[16384];
	docker_demux(rep.body, rep.len, text, sizeof text);
	free(rep.body);
	snprintf(path, sizeof path, "/exec/%s/json", exec_id);
	json_t *info = get_json(j->api, path, 3000, why, sizeof why);
	json_decref(info); /* the exit code says little: wget fails on 404 too */
	struct dk_http h;
	docker_parse_probe(text, &h);
	if (!h.status)
		return -1;
	Scanopy__V1__HttpHeader server = SCANOPY__V1__HTTP_HEADER__INIT, *hp = &server;
	server.name = "Server";
	server.value = h.server;
	Scanopy__V1__HttpResponse resp = SCANOPY__V1__HTTP_RESPONSE__INIT;
	resp.ip = j->ip;
	resp.has_port = 1;
	resp.port = port;
	resp.scheme = "http";
	resp.host = "127.0.0.1";
	resp.path = "/";
	resp.has_status = 1;
	resp.status = h.status;
	resp.headers = &hp;
	resp.n_headers = *h.server ? 1 : 0;
	resp.title = h.title;
	size_t bl = strlen(h.body);
	resp.has_body_prefix = bl > 0;
	resp.body_prefix.data = (uint8_t *)h.body;
	resp.body_prefix.len = bl;
	sink_http(j->sink, &resp);
	atomic_fetch_add(&r->ok, 1);
	return 0;
}

static void *probe_worker(void *arg)
{
	struct probe_run *r = arg;
	size_t i;
	while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
		struct probe_job *j = &r->jobs[i];
		if (atomic_load(&r->denied) || sc_now_ms() >= r->deadline) {
			skipped(r, j->c->name);
			continue;
		}
		for (size_t p = 0; p < j->c->nprobe; p++)
			if (probe_port(r, j, j->c->probe_ports[p]) &&
			    atomic_load(&r->denied)) {
				skipped(r, j->c->name);
				break;
			}
	}
	return NULL;
}

static void run_probes(const struct docker_request *req, const struct docker_api *api,
                       struct sink *s, struct dk_container *cs, size_t n,
                       struct docker_stats *st)
{
	struct probe_run r;
	memset(&r, 0, sizeof r);
	pthread_mutex_init(&r.lock, NULL);
	r.jobs = calloc(n ? n : 1, sizeof *r.jobs);
	if (!r.jobs)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!cs[i].nprobe || strcmp(cs[i].c.state, "running"))
			continue;
		struct probe_job *j = &r.jobs[r.n++];
		j->api = api;
		j->sink = s;
		j->c = &cs[i];
		snprintf(j->ip, sizeof j->ip, "%s",
		         cs[i].c.n_endpoints ? cs[i].c.endpoints[0]->ip : "");
	}
	if (!req->exec_probes) {
		for (size_t i = 0; i < r.n; i++)
			skipped(&r, r.jobs[i].c->name);
		if (r.n)
			note(st, "in-container probes turned off; not probed: ",
			     r.skipped_names);
		st->probes_skipped = atomic_load(&r.skipped);
		free(r.jobs);
		return;
	}
	r.deadline = sc_now_ms() + (req->budget_ms ? req->budget_ms : 15000);
	unsigned nt = req->concurrency ? req->concurrency : 8;
	if (nt > r.n)
		nt = (unsigned)r.n;
	pthread_t th[32];
	unsigned started = 0;
	for (; started < nt && started < 32; started++)
		if (pthread_create(&th[started], NULL, probe_worker, &r))
			break;
	if (!started && r.n)
		probe_worker(&r);
	for (unsigned k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	st->probes = atomic_load(&r.probes);
	st->probes_ok = atomic_load(&r.ok);
	st->probes_skipped = atomic_load(&r.skipped);
	if (atomic_load(&r.denied)) {
		note(st, r.denied_why,
		     "; containers reported without in-container probes: ");
		append(st->error, sizeof st->error, r.skipped_names);
	} else if (st->probes_skipped)
		note(st, "the probe time budget ran out; not probed: ", r.skipped_names);
	pthread_mutex_destroy(&r.lock);
	free(r.jobs);
}

int docker_collect_run(const struct docker_request *req, struct sink *s,
                       struct docker_stats *st)
{
	struct docker_api api;
	char why[512];
	memset(st, 0, sizeof *st);
	int64_t start = sc_now_ms();
	if (docker_api_init(&api, req->proxy, req->ssl_cert, req->ssl_key, req->ssl_chain,
	                    why, sizeof why)) {
		snprintf(st->error, sizeof st->error, "%s", why);
		return -1;
	}
	json_t *list = get_json(&api, "/containers/json", 15000, why, sizeof why);
	if (!json_is_array(list)) {
		snprintf(st->error, sizeof st->error, "%s",
		         list ? "GET /containers/json: not a list" : why);
		json_decref(list);
		return -1;
	}
	size_t n = json_array_size(list), i;
	struct dk_container *cs = calloc(n ? n : 1, sizeof *cs);
	json_t **inspects = calloc(n ? n : 1, sizeof *inspects);
	if (!cs || !inspects) {
		free(cs);
		free(inspects);
		json_decref(list);
		snprintf(st->error, sizeof st->error, "out of memory");
		return -1;
	}
	size_t nc = 0;
	bool inspect_denied = false;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		char path[256];
		const char *id = json_string_value(json_object_get(item, "Id"));
		if (!id || strspn(id, "0123456789abcdefABCDEF") != strlen(id))
			continue;
		snprintf(path, sizeof path, "/containers/%s/json", id);
		inspects[i] =
		    inspect_denied ? NULL : get_json(&api, path, 10000, why, sizeof why);
		if (!inspects[i] && !inspect_denied) {
			note(st, why, " (reported from the list only)");
			inspect_denied = strstr(why, "permission denied") != NULL;
		}
		if (docker_parse_container(item, inspects[i], api.host_ip, &cs[nc]) ==
		    0) {
			sink_container(s, &cs[nc].c);
			nc++;
		}
	}
	st->containers = (unsigned)nc;
	json_t *nets = get_json(&api, "/networks", 10000, why, sizeof why);
	if (!nets)
		note(st, "networks skipped: ", why);
	json_array_foreach(nets, i, item)
	{
		struct dk_network dn;
		if (docker_parse_network(item, api.host_ip, &dn) == 0) {
			sink_docker_network(s, &dn.n);
			docker_network_free(&dn);
			st->networks++;
		}
	}
	json_decref(nets);
	run_probes(req, &api, s, cs, nc, st);
	for (size_t k = 0; k < nc; k++)
		docker_container_free(&cs[k]);
	for (size_t k = 0; k < n; k++)
		json_decref(inspects[k]);
	free(inspects);
	free(cs);
	json_decref(list);
	st->wall_ms = sc_now_ms() - start;
	if (*st->error)
		sc_warn("docker: %s", st->error);
	return 0;
}
