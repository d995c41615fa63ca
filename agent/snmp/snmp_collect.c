#include "snmp_collect.h"
#include "sc_batch.h"
#include "sc_log.h"
#include "sink.h"
#include "snmp_oids.h"
#include "snmp_walk.h"
#include "targets.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEVICES 4096

bool snmp_cred_applies(const Scanopy__V1__SnmpCredential *c, const char *ip)
{
	struct in_addr a;
	if (!c->n_scope)
		return true;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return false;
	uint32_t v = ntohl(a.s_addr);
	for (size_t i = 0; i < c->n_scope; i++) {
		char buf[64], *slash;
		snprintf(buf, sizeof buf, "%s", c->scope[i]);
		unsigned prefix = 32;
		if ((slash = strchr(buf, '/'))) {
			*slash = 0;
			prefix = (unsigned)atoi(slash + 1);
			if (prefix > 32)
				continue;
		}
		struct in_addr n;
		if (inet_pton(AF_INET, buf, &n) != 1)
			continue;
		uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
		if ((ntohl(n.s_addr) & mask) == (v & mask))
			return true;
	}
	return false;
}

/* What is walked once a credential has answered, in request streams of
 * several columns each. */
struct group {
	const uint32_t *roots[16];
	size_t lens[16];
	size_t n;
};

static void add_root(struct group *g, const uint32_t *entry, size_t len, uint32_t col,
                     uint32_t *store)
{
	memcpy(store, entry, len * sizeof *store);
	size_t l = len;
	if (col)
		store[l++] = col;
	g->roots[g->n] = store;
	g->lens[g->n++] = l;
}

struct plan {
	struct group g[5];
	uint32_t store[48][SV_MAX_OID / 4];
};

static void plan_build(struct plan *p)
{
	size_t s = 0;
	memset(p, 0, sizeof *p);
#define ROOT(grp, entry, col)                                                            \
	add_root(&p->g[grp], entry, OIDLEN(entry), col, p->store[s++])
	for (uint32_t c = 1; c <= 8; c++)
		ROOT(0, OID_IF_ENTRY, c);
	ROOT(0, OID_IFX_ENTRY, 1);
	ROOT(0, OID_IFX_ENTRY, 15);
	ROOT(0, OID_IFX_ENTRY, 18);
	ROOT(1, OID_IPADDR_ENTRY, 2);
	ROOT(1, OID_IPADDR_ENTRY, 3);
	ROOT(1, OID_NET_TO_MEDIA_ENTRY, 2);
	ROOT(1, OID_NET_TO_MEDIA_ENTRY, 4);
	ROOT(1, OID_NET_TO_PHYS_ENTRY, 4);
	ROOT(1, OID_NET_TO_PHYS_ENTRY, 6);
	ROOT(2, OID_LLDP_LOC, 0);
	ROOT(2, OID_LLDP_REM, 0);
	ROOT(2, OID_LLDP2_LOC, 0);
	ROOT(2, OID_LLDP2_REM, 0);
	for (uint32_t c = 3; c <= 8; c++)
		if (c != 5)
			ROOT(2, OID_CDP_CACHE_ENTRY, c);
	ROOT(3, OID_BASE_PORT_ENTRY, 2);
	ROOT(3, OID_TP_FDB_ENTRY, 2);
	ROOT(3, OID_TP_FDB_ENTRY, 3);
	ROOT(3, OID_Q_FDB_ENTRY, 2);
	ROOT(3, OID_Q_FDB_ENTRY, 3);
	ROOT(3, OID_Q_PORT_VLAN_ENTRY, 1);
	ROOT(3, OID_Q_VLAN_CURRENT_ENTRY, 3);
	ROOT(3, OID_Q_VLAN_CURRENT_ENTRY, 4);
	ROOT(3, OID_Q_VLAN_STATIC_ENTRY, 1);
	ROOT(3, OID_Q_VLAN_STATIC_ENTRY, 2);
	ROOT(3, OID_Q_VLAN_STATIC_ENTRY, 4);
	ROOT(4, OID_ENT_PHYS_ENTRY, 5);
	ROOT(4, OID_ENT_PHYS_ENTRY, 11);
	ROOT(4, OID_ENT_PHYS_ENTRY, 13);
#undef ROOT
}

struct run {
	const struct snmp_request *req;
	struct sink *sink;
	struct plan plan;
	char (*ips)[46];
	struct snmp_result *res;
	size_t n;
	atomic_size_t next;
};

/* Walks the device with an open session; returns 0 (err may hold a note
 * about a table that could not be read completely) or -1 (nothing usable). */
static int walk_device(struct run *r, struct snmp_sess *w, struct snmp_result *res,
                       struct sv_table *t, int64_t deadline)
{
	char err[256];
	const uint32_t *sys[2] = {OID_SYSTEM, OID_ENGINE_ID};
	size_t syslen[2] = {OIDLEN(OID_SYSTEM), OIDLEN(OID_ENGINE_ID)};
	if (snmp_walk(w, sys, syslen, 2, t, deadline, err, sizeof err)) {
		snprintf(res->error, sizeof res->error, "%s", err);
		return -1;
	}
	if (!t->n) {
		snprintf(res->error, sizeof res->error,
		         "the agent shows no system group");
		return -1;
	}
	for (size_t g = 0; g < 5; g++) {
		struct group *grp = &r->plan.g[g];
		if (snmp_walk(w, grp->roots, grp->lens, grp->n, t, deadline, err,
		              sizeof err)) {
			snprintf(res->error, sizeof res->error, "partial: %s", err);
			break;
		}
	}
	return 0;
}

static void collect_device(struct run *r, size_t i)
{
	const struct snmp_request *q = r->req;
	struct snmp_result *res = &r->res[i];
	const char *ip = r->ips[i];
	int64_t start = sc_now_ms(),
	        deadline = start + (q->budget_ms ? q->budget_ms : 30000);
	size_t used = 0, elen = 0;
	char acc[sizeof res->error] = "";
	snprintf(res->ip, sizeof res->ip, "%s", ip);
	res->error[0] = 0;
	for (size_t c = 0; c < q->ncreds && !res->ok; c++) {
		const Scanopy__V1__SnmpCredential *cred = q->creds[c];
		if (!snmp_cred_applies(cred, ip) || (q->cancel && *q->cancel))
			continue;
		used++;
		char label[160], err[512] = "";
		snmp_cred_label(cred, c + 1, label, sizeof label);
		bool v3 = cred->version == SCANOPY__V1__SNMP_VERSION__SNMP_V3;
		if (v3)
			snmp_v3_lock();
		struct snmp_sess w;
		struct sv_table t;
		sv_table_init(&t);
		int rc = snmp_sess_open_cred(&w, ip, cred,
		                             q->timeout_ms ? q->timeout_ms : 1000,
		                             q->retries, err, sizeof err);
		if (rc == 0) {
			char note[512] = "";
			res->error[0] = 0;
			rc = walk_device(r, &w, res, &t, deadline);
			if (rc == 0) {
				char engine[80];
				sv_table_sort(&t);
				snmp_sess_engine_id(&w, engine, sizeof engine);
				if (!*engine) { /* snmpEngineID.0 of a v1/v2c agent */
					static const uint32_t eo[] = {1, 3,  6, 1, 6,
					                              3, 10, 2, 1, 1};
					const struct sv_vb *e =
					    sv_scalar(&t, eo, OIDLEN(eo));
					for (size_t k = 0, o = 0;
					     e && k < e->vlen && o + 3 <= sizeof engine;
					     k++)
						o += (size_t)snprintf(engine + o,
						                      sizeof engine - o,
						                      "%02x", e->val[k]);
				}
				snprintf(note, sizeof note, "%s", res->error);
				if (snmp_decode_emit(r->sink, ip, &t, engine,
				                     &res->counts) == 0) {
					res->ok = true;
					snprintf(res->error, sizeof res->error, "%s",
					         note);
					if (*note)
						sc_warn("snmp %s: %s: %s", ip, label,
						        note);
				} else
					snprintf(err, sizeof err,
					         "the observations could not be queued");
			} else
				snprintf(err, sizeof err, "%s", res->error);
			snmp_sess_close_cred(&w);
		}
		if (v3)
			snmp_v3_unlock();
		sv_table_free(&t);
		if (!res->ok && elen < sizeof acc - 1) {
			int k = snprintf(acc + elen, sizeof acc - elen, "%s%s: %s",
			                 elen ? "; " : "", label, err);
			elen = k > 0 ? elen + (size_t)k : elen;
			if (elen >= sizeof acc)
				elen = sizeof acc - 1;
		}
	}
	if (!res->ok)
		memcpy(res->error, acc, sizeof acc);
	if (!used)
		snprintf(res->error, sizeof res->error,
		         "no SNMP credential applies to this address");
	res->ms = sc_now_ms() - start;
	if (!res->ok) {
		char msg[600];
		snprintf(msg, sizeof msg, "snmp %s: %s", ip, res->error);
		sc_warn("%s", msg);
		Scanopy__V1__ScanProgress p = SCANOPY__V1__SCAN_PROGRESS__INIT;
		p.phase = "snmp";
		p.message = msg;
		sink_progress(r->sink, &p);
	}
}

static void *worker(void *arg)
{
	struct run *r = arg;
	size_t i;
	while ((i = atomic_fetch_add(&r->next, 1)) < r->n) {
		if (r->req->cancel && *r->req->cancel)
			break;
		collect_device(r, i);
	}
	return NULL;
}

int snmp_collect_run(const struct snmp_request *req, struct sink *s,
                     struct snmp_stats *st)
{
	struct target_set ts;
	memset(st, 0, sizeof *st);
	int64_t start = sc_now_ms();
	if (!req->ncreds) {
		sc_warn("snmp: the job carries no SNMP credentials; nothing to query");
		return 0;
	}
	if (!req->ndevices)
		return 0;
	if (targets_build(&ts, req->devices, req->ndevices))
		return -1;
	if (ts.count > MAX_DEVICES) {
		sc_error("snmp: %u addresses is more than the %u one SNMP run queries",
		         ts.count, MAX_DEVICES);
		targets_free(&ts);
		return -1;
	}
	struct run *r = calloc(1, sizeof *r);
	if (!r) {
		targets_free(&ts);
		return -1;
	}
	r->req = req;
	r->sink = s;
	r->n = ts.count;
	r->ips = calloc(r->n ? r->n : 1, sizeof *r->ips);
	r->res = calloc(r->n ? r->n : 1, sizeof *r->res);
	if (!r->ips || !r->res) {
		free(r->ips);
		free(r->res);
		free(r);
		targets_free(&ts);
		return -1;
	}
	for (uint32_t k = 0; k < ts.count; k++) {
		struct in_addr a = {.s_addr = htonl(targets_addr(&ts, k))};
		inet_ntop(AF_INET, &a, r->ips[k], sizeof r->ips[k]);
	}
	targets_free(&ts);
	plan_build(&r->plan);
	snmp_lib_init();
	unsigned nthreads = req->concurrency ? req->concurrency : 8;
	if (nthreads > r->n)
		nthreads = (unsigned)r->n;
	pthread_t th[64];
	if (nthreads > 64)
		nthreads = 64;
	unsigned started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&th[started], NULL, worker, r))
			break;
	if (!started)
		worker(r);
	for (unsigned k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	st->devices = r->n;
	st->results = r->res;
	for (size_t k = 0; k < r->n; k++) {
		if (!r->res[k].ok)
			continue;
		st->answered++;
		st->total.interfaces += r->res[k].counts.interfaces;
		st->total.addresses += r->res[k].counts.addresses;
		st->total.neighbors += r->res[k].counts.neighbors;
		st->total.fdb += r->res[k].counts.fdb;
		st->total.arp += r->res[k].counts.arp;
	}
	st->wall_ms = sc_now_ms() - start;
	free(r->ips);
	free(r);
	return 0;
}

void snmp_stats_free(struct snmp_stats *st)
{
	free(st->results);
	st->results = NULL;
}
