/* bench_msp: a simulated MSP streamed through the pipeline. Every network has
 * its own daemon; batch r of every network is published before batch r+1 of
 * any (many daemons sending at once), on scanopy.obs.raw.<org>.<network>
 * with the batch id as msg id, as the gateway publishes. Each host is three
 * observations: HostSeen (with a MAC), TCP 22 open and its SSH banner.
 *
 *   --mode reference  publishes the same batches into a stream of its own
 *                     (BENCH_REF, OBS_RAW's settings) that nothing consumes,
 *                     prints the raw publish rate and deletes the stream.
 *   --mode pipeline   publishes into OBS_RAW, samples the latency from a
 *                     batch's publish to its first host being in the hosts
 *                     view (inv.hosts joined with inv.addresses), waits for
 *                     every batch to be applied, prints the throughput, and
 *                     counts hosts per organisation and network against what
 *                     was sent (exit 1 on any lost or duplicated).
 */
#include "observation.pb-c.h"
#include "sc_batch.h"
#include "sc_config.h"
#include "sc_log.h"
#include "sc_nats.h"
#include "sc_pg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BANNER "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
#define OBS_PER_HOST 3
#define MAX_SAMPLES 2000

struct args {
	char *nats_url, *database_url, *mode;
	long orgs, networks, hosts, batch_hosts, timeout_s, rate;
};

struct sample {
	long net, host; /* the batch's first host */
	_Atomic int64_t published_ms, seen_ms;
};

struct run {
	const struct args *a;
	long batches;      /* in all */
	long rounds;       /* batches per network, at most */
	long sample_every; /* every n-th batch is sampled */
	struct sample *samples;
	atomic_long nsamples;
	atomic_bool done;
	atomic_long pub_errors;
};

static void org_id(long k, char *buf)
{
	snprintf(buf, 40, "0a000000-0000-4000-8000-%012lx",
	         (unsigned long)k & 0xffffffffffffUL);
}
static void net_id(long j, char *buf)
{
	snprintf(buf, 40, "0b000000-0000-4000-8000-%012lx",
	         (unsigned long)j & 0xffffffffffffUL);
}
static void daemon_id(long j, char *buf)
{
	snprintf(buf, 40, "0d000000-0000-4000-8000-%012lx",
	         (unsigned long)j & 0xffffffffffffUL);
}
static void host_ip(long i, char *buf)
{
	snprintf(buf, 20, "10.%ld.%ld.%ld", (i / 62500) % 256, (i / 250) % 250,
	         i % 250 + 1);
}

/* Hosts of network j: the total spread evenly, the first ones taking the rest. */
static long net_hosts(const struct args *a, long j)
{
	return a->hosts / a->networks + (j < a->hosts % a->networks ? 1 : 0);
}

/* Packs batch r of network j into *buf (grown as needed); returns its length
 * or 0 when the network has no batch r. */
static size_t pack_batch(const struct args *a, long j, long r, uint8_t **buf, size_t *cap,
                         char *msg_id, size_t idlen)
{
	long first = r * a->batch_hosts, n = net_hosts(a, j) - first;
	if (n <= 0)
		return 0;
	if (n > a->batch_hosts)
		n = a->batch_hosts;
	char org[40], net[40], dmn[40];
	org_id(j % a->orgs, org);
	net_id(j, net);
	daemon_id(j, dmn);
	Scanopy__V1__HostSeen *hs = calloc((size_t)n, sizeof *hs);
	Scanopy__V1__PortState *ps = calloc((size_t)n, sizeof *ps);
	Scanopy__V1__Banner *bn = calloc((size_t)n, sizeof *bn);
	Scanopy__V1__Observation *o = calloc((size_t)n * OBS_PER_HOST, sizeof *o);
	Scanopy__V1__Observation **op = calloc((size_t)n * OBS_PER_HOST, sizeof *op);
	char(*ip)[20] = calloc((size_t)n, sizeof *ip);
	char(*mac)[20] = calloc((size_t)n, sizeof *mac);
	size_t len = 0;
	if (!hs || !ps || !bn || !o || !op || !ip || !mac)
		goto out;
	int64_t now = sc_now_ms();
	for (long i = 0; i < n; i++) {
		long h = first + i;
		host_ip(h, ip[i]);
		snprintf(mac[i], sizeof mac[i], "02:%02lx:%02lx:%02lx:%02lx:%02lx",
		         (j >> 8) & 0xff, j & 0xff, (h >> 16) & 0xff, (h >> 8) & 0xff,
		         h & 0xff);
		scanopy__v1__host_seen__init(&hs[i]);
		hs[i].ip = ip[i];
		hs[i].mac = mac[i];
		hs[i].has_evidence = 1;
		hs[i].evidence = SCANOPY__V1__EVIDENCE__EVIDENCE_ARP;
		scanopy__v1__port_state__init(&ps[i]);
		ps[i].ip = ip[i];
		ps[i].has_protocol = ps[i].has_port = ps[i].has_status = 1;
		ps[i].protocol = SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
		ps[i].port = 22;
		ps[i].status = SCANOPY__V1__PORT_STATUS__PORT_OPEN;
		scanopy__v1__banner__init(&bn[i]);
		bn[i].ip = ip[i];
		bn[i].has_protocol = bn[i].has_port = bn[i].has_data = 1;
		bn[i].protocol = SCANOPY__V1__PROTOCOL__PROTOCOL_TCP;
		bn[i].port = 22;
		bn[i].data.data = (uint8_t *)BANNER;
		bn[i].data.len = sizeof BANNER - 1;
		for (int k = 0; k < OBS_PER_HOST; k++) {
			Scanopy__V1__Observation *x = &o[i * OBS_PER_HOST + k];
			scanopy__v1__observation__init(x);
			x->has_observed_at_ms = 1;
			x->observed_at_ms = now;
			op[i * OBS_PER_HOST + k] = x;
		}
		o[i * OBS_PER_HOST].kind_case = SCANOPY__V1__OBSERVATION__KIND_HOST;
		o[i * OBS_PER_HOST].host = &hs[i];
		o[i * OBS_PER_HOST + 1].kind_case = SCANOPY__V1__OBSERVATION__KIND_PORT;
		o[i * OBS_PER_HOST + 1].port = &ps[i];
		o[i * OBS_PER_HOST + 2].kind_case = SCANOPY__V1__OBSERVATION__KIND_BANNER;
		o[i * OBS_PER_HOST + 2].banner = &bn[i];
	}
	Scanopy__V1__BatchHeader hd = SCANOPY__V1__BATCH_HEADER__INIT;
	hd.org_id = org;
	hd.network_id = net;
	hd.daemon_id = dmn;
	hd.has_sequence = hd.has_sent_at_ms = hd.has_started_at_ms = 1;
	hd.sequence = (uint64_t)r + 1;
	hd.sent_at_ms = hd.started_at_ms = now;
	hd.has_contract_version = 1;
	hd.contract_version = 1;
	Scanopy__V1__ObservationBatch b = SCANOPY__V1__OBSERVATION_BATCH__INIT;
	b.header = &hd;
	b.observations = op;
	b.n_observations = (size_t)n * OBS_PER_HOST;
	len = scanopy__v1__observation_batch__get_packed_size(&b);
	if (len > *cap) {
		uint8_t *g = realloc(*buf, len);
		if (!g) {
			len = 0;
			goto out;
		}
		*buf = g;
		*cap = len;
	}
	scanopy__v1__observation_batch__pack(&b, *buf);
	sc_batch_id(&hd, msg_id, idlen);
out:
	free(hs);
	free(ps);
	free(bn);
	free(o);
	free(op);
	free(ip);
	free(mac);
	return len;
}

static void on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure)
{
	(void)js;
	struct run *run = closure;
	atomic_fetch_add(&run->pub_errors, 1);
	sc_warn("publish failed: %s", pae->ErrText ? pae->ErrText : "unknown");
}

/* With a rate (batches per second), waits until batch seq is due. */
static void pace(long rate, long seq, int64_t t0)
{
	if (rate <= 0)
		return;
	int64_t due = t0 + seq * 1000 / rate, now = sc_now_ms();
	if (due > now)
		usleep((useconds_t)(due - now) * 1000);
}

/* Publishes every batch asynchronously (up to 4096 unacknowledged) and waits
 * for the last ack. Returns the seconds it took, or -1. */
static double publish_all(struct run *run, natsConnection *nc, const char *prefix)
{
	const struct args *a = run->a;
	jsOptions jo;
	jsOptions_Init(&jo);
	jo.Wait = 60000;
	jo.PublishAsync.MaxPending = 4096;
	jo.PublishAsync.ErrHandler = on_pub_error;
	jo.PublishAsync.ErrHandlerClosure = run;
	jsCtx *js = NULL;
	if (natsConnection_JetStream(&js, nc, &jo) != NATS_OK)
		return -1;
	uint8_t *buf = NULL;
	size_t cap = 0;
	long seq = 0;
	int64_t t0 = sc_now_ms(), last_note = t0;
	natsStatus s = NATS_OK;
	for (long r = 0; r < run->rounds && s == NATS_OK; r++) {
		for (long j = 0; j < a->networks && s == NATS_OK; j++) {
			char id[96], subject[192], org[40], net[40];
			size_t len = pack_batch(a, j, r, &buf, &cap, id, sizeof id);
			if (!len)
				continue;
			org_id(j % a->orgs, org);
			net_id(j, net);
			snprintf(subject, sizeof subject, "%s.%s.%s", prefix, org, net);
			if (run->samples && seq % run->sample_every == 0 &&
			    atomic_load(&run->nsamples) < MAX_SAMPLES) {
				struct sample *sm =
				    &run->samples[atomic_load(&run->nsamples)];
				sm->net = j;
				sm->host = r * a->batch_hosts;
				atomic_store(&sm->published_ms, sc_now_ms());
				atomic_fetch_add(&run->nsamples, 1);
			}
			pace(a->rate, seq, t0);
			natsMsg *m = NULL;
			jsPubOptions po;
			jsPubOptions_Init(&po);
			po.MsgId = id;
			s = natsMsg_Create(&m, subject, NULL, (const char *)buf,
			                   (int)len);
			if (s == NATS_OK)
				s = js_PublishMsgAsync(js, &m, &po);
			natsMsg_Destroy(m);
			seq++;
			if (sc_now_ms() - last_note > 30000) {
				last_note = sc_now_ms();
				fprintf(stderr, "  published %ld of %ld batches\n", seq,
				        run->batches);
			}
		}
	}
	if (s == NATS_OK) {
		jsPubOptions po;
		jsPubOptions_Init(&po);
		po.MaxWait = 300000;
		s = js_PublishAsyncComplete(js, &po);
	}
	double secs = (double)(sc_now_ms() - t0) / 1000.0;
	free(buf);
	jsCtx_Destroy(js);
	if (s != NATS_OK) {
		sc_error("publishing stopped: %s", natsStatus_GetText(s));
		return -1;
	}
	return secs;
}

static int reference(struct run *run, struct sc_nats *n)
{
	jsStreamConfig cfg;
	jsStreamConfig_Init(&cfg);
	const char *subject = "bench.ref.>";
	cfg.Name = "BENCH_REF";
	cfg.Subjects = &subject;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Duplicates = 10LL * 60 * 1000 * 1000000;
	jsErrCode jerr = 0;
	js_DeleteStream(n->js, "BENCH_REF", NULL, &jerr);
	if (js_AddStream(NULL, n->js, &cfg, NULL, &jerr) != NATS_OK) {
		sc_error("cannot create BENCH_REF (%d)", jerr);
		return -1;
	}
	double secs = publish_all(run, n->nc, "bench.ref");
	js_DeleteStream(n->js, "BENCH_REF", NULL, &jerr);
	if (secs <= 0)
		return -1;
	long obs = run->a->hosts * OBS_PER_HOST;
	printf("reference: raw NATS publish  %ld batches, %ld obs in %.1f s: %.0f obs/s, "
	       "%.0f batches/s\n",
	       run->batches, obs, secs, (double)obs / secs, (double)run->batches / secs);
	return atomic_load(&run->pub_errors) ? -1 : 0;
}

/* Marks the samples whose host is in the hosts view. */
static void poll_samples(struct run *run, PGconn *pg)
{
	long n = atomic_load(&run->nsamples);
	size_t cap = (size_t)n * 64 + 8;
	char *nets = malloc(cap), *ips = malloc(cap);
	char *idx = malloc(cap);
	if (!nets || !ips || !idx)
		goto out;
	size_t ln = 0, li = 0, lx = 0;
	int pending = 0;
	nets[ln++] = ips[li++] = idx[lx++] = '{';
	for (long k = 0; k < n; k++) {
		struct sample *sm = &run->samples[k];
		if (atomic_load(&sm->seen_ms) || !atomic_load(&sm->published_ms))
			continue;
		char net[40], ip[20];
		net_id(sm->net, net);
		host_ip(sm->host, ip);
		ln += (size_t)sprintf(nets + ln, "%s%s", pending ? "," : "", net);
		li += (size_t)sprintf(ips + li, "%s%s", pending ? "," : "", ip);
		lx += (size_t)sprintf(idx + lx, "%s%ld", pending ? "," : "", k);
		pending++;
	}
	if (!pending)
		goto out;
	strcpy(nets + ln, "}");
	strcpy(ips + li, "}");
	strcpy(idx + lx, "}");
	const char *p[] = {nets, ips, idx};
	PGresult *r = sc_pg_query(
	    pg,
	    "SELECT u.k FROM unnest($1::uuid[], $2::inet[], $3::bigint[]) u(n, i, k) "
	    "WHERE EXISTS (SELECT 1 FROM inv.hosts h JOIN inv.addresses a ON "
	    "a.host_id = h.id WHERE a.network_id = u.n AND a.ip = u.i)",
	    3, p);
	int64_t now = sc_now_ms();
	for (int i = 0; r && i < PQntuples(r); i++)
		atomic_store(&run->samples[atol(PQgetvalue(r, i, 0))].seen_ms, now);
	PQclear(r);
out:
	free(nets);
	free(ips);
	free(idx);
}

static void *sampler(void *arg)
{
	struct run *run = arg;
	PGconn *pg = sc_pg_connect(run->a->database_url, 10000);
	while (pg && !atomic_load(&run->done)) {
		poll_samples(run, pg);
		usleep(100 * 1000);
	}
	if (pg)
		PQfinish(pg);
	return NULL;
}

static long count(PGconn *pg, const char *sql)
{
	PGresult *r = sc_pg_query(pg, sql, 0, NULL);
	long v = r && PQntuples(r) ? atol(PQgetvalue(r, 0, 0)) : -1;
	PQclear(r);
	return v;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return a < b ? -1 : a > b;
}

static void print_latency(struct run *run)
{
	long n = atomic_load(&run->nsamples), k = 0;
	int64_t *lat = calloc((size_t)n + 1, sizeof *lat);
	for (long i = 0; lat && i < n; i++) {
		int64_t seen = atomic_load(&run->samples[i].seen_ms);
		if (seen)
			lat[k++] = seen - atomic_load(&run->samples[i].published_ms);
	}
	if (k) {
		qsort(lat, (size_t)k, sizeof *lat, cmp_i64);
		printf(
		    "latency publish -> hosts view: p50 %.2f s, p99 %.2f s, max %.2f s "
		    "(%ld sampled batches, polled every 0.1 s)\n",
		    (double)lat[k / 2] / 1000.0, (double)lat[(k * 99) / 100] / 1000.0,
		    (double)lat[k - 1] / 1000.0, k);
	}
	free(lat);
}

/* Hosts per network and organisation against what was sent; 0 when equal. */
static int verify(const struct run *run, PGconn *pg)
{
	const struct args *a = run->a;
	PGresult *r = sc_pg_query(pg,
	                          "SELECT network_id::text, org_id::text, count(*) FROM "
	                          "inv.hosts GROUP BY 1, 2",
	                          0, NULL);
	if (!r)
		return -1;
	long *got = calloc((size_t)a->networks, sizeof *got);
	long *org_got = calloc((size_t)a->orgs, sizeof *org_got);
	long wrong_org = 0, unknown = 0, lost = 0, dup = 0, nets_bad = 0, orgs_bad = 0;
	for (int i = 0; got && org_got && i < PQntuples(r); i++) {
		long j = strtol(PQgetvalue(r, i, 0) + 24, NULL, 16);
		long k = strtol(PQgetvalue(r, i, 1) + 24, NULL, 16);
		long c = atol(PQgetvalue(r, i, 2));
		if (j < 0 || j >= a->networks || strncmp(PQgetvalue(r, i, 0), "0b", 2)) {
			unknown += c;
			continue;
		}
		if (k != j % a->orgs)
			wrong_org += c;
		got[j] += c;
		org_got[j % a->orgs] += c;
	}
	PQclear(r);
	long *org_want = calloc((size_t)a->orgs, sizeof *org_want);
	for (long j = 0; got && org_want && j < a->networks; j++) {
		long want = net_hosts(a, j), d = got[j] - want;
		org_want[j % a->orgs] += want;
		if (d < 0)
			lost -= d;
		if (d > 0)
			dup += d;
		nets_bad += d != 0;
	}
	for (long k = 0; org_got && org_want && k < a->orgs; k++)
		orgs_bad += org_got[k] != org_want[k];
	long addresses = count(pg, "SELECT count(*) FROM inv.addresses");
	long batches = count(pg, "SELECT count(*) FROM inv.batches");
	long ports = count(pg, "SELECT count(*) FROM inv.ports WHERE port = 22");
	long services = count(pg, "SELECT count(*) FROM inv.services");
	printf("counts: hosts lost %ld, duplicated %ld, in the wrong organisation %ld, "
	       "unknown %ld; networks off %ld of %ld, organisations off %ld of %ld\n",
	       lost, dup, wrong_org, unknown, nets_bad, a->networks, orgs_bad, a->orgs);
	printf("rows: addresses %ld (sent %ld), ports %ld, services %ld, batches %ld "
	       "(sent %ld)\n",
	       addresses, a->hosts, ports, services, batches, run->batches);
	free(got);
	free(org_got);
	free(org_want);
	bool ok = got && !lost && !dup && !wrong_org && !unknown && !nets_bad &&
	          !orgs_bad && addresses == a->hosts && ports == a->hosts &&
	          batches == run->batches;
	return ok ? 0 : -1;
}

static int pipeline(struct run *run, struct sc_nats *n)
{
	const struct args *a = run->a;
	PGconn *pg = sc_pg_connect(a->database_url, 10000);
	if (!pg)
		return -1;
	run->samples = calloc(MAX_SAMPLES, sizeof *run->samples);
	pthread_t th;
	if (!run->samples || pthread_create(&th, NULL, sampler, run)) {
		PQfinish(pg);
		return -1;
	}
	int64_t t0 = sc_now_ms();
	double pub = publish_all(run, n->nc, SC_SUBJECT_RAW);
	long applied = 0;
	int64_t deadline = t0 + a->timeout_s * 1000, last_note = sc_now_ms();
	while (pub > 0 &&
	       (applied = count(pg, "SELECT count(*) FROM inv.batches")) < run->batches &&
	       sc_now_ms() < deadline) {
		usleep(250 * 1000);
		if (sc_now_ms() - last_note > 30000) {
			last_note = sc_now_ms();
			fprintf(stderr, "  applied %ld of %ld batches (%.0f s)\n",
			        applied, run->batches,
			        (double)(sc_now_ms() - t0) / 1000.0);
		}
	}
	double secs = (double)(sc_now_ms() - t0) / 1000.0;
	/* Give the sampler a last look, then stop it. */
	usleep(300 * 1000);
	atomic_store(&run->done, true);
	pthread_join(th, NULL);
	int rc = -1;
	if (pub <= 0) {
		sc_error("publishing failed");
	} else if (applied < run->batches) {
		printf("TIMEOUT: %ld of %ld batches applied after %.0f s\n", applied,
		       run->batches, secs);
	} else {
		long obs = a->hosts * OBS_PER_HOST;
		printf("published %ld batches in %.1f s (%.0f obs/s offered)\n",
		       run->batches, pub, (double)obs / pub);
		printf(
		    "throughput: %ld obs (%ld hosts) through fingerprint, topology and "
		    "PostgreSQL in %.1f s: %.0f obs/s, %.0f hosts/s\n",
		    obs, a->hosts, secs, (double)obs / secs, (double)a->hosts / secs);
		print_latency(run);
		rc = 0;
	}
	/* Duplicates may arrive late: count after the stream is drained. */
	if (verify(run, pg))
		rc = -1;
	if (atomic_load(&run->pub_errors))
		rc = -1;
	PQfinish(pg);
	free(run->samples);
	return rc;
}

int main(int argc, char **argv)
{
	struct args a = {0};
	struct sc_option opts[] = {
	    {"nats_url", SC_OPT_STR, "nats://127.0.0.1:4222", "NATS URL", &a.nats_url, 0,
	     0},
	    {"database_url", SC_OPT_STR, "postgresql://postgres@127.0.0.1:5433/scanopy",
	     "PostgreSQL URL", &a.database_url, 0, 0},
	    {"mode", SC_OPT_STR, "pipeline", "pipeline or reference", &a.mode, 0, 0},
	    {"orgs", SC_OPT_INT, "500", "organisations", &a.orgs, 1, 100000},
	    {"networks", SC_OPT_INT, "2000", "networks (each in org n % orgs)",
	     &a.networks, 1, 1000000},
	    {"hosts", SC_OPT_INT, "250000", "hosts in all (spread over the networks)",
	     &a.hosts, 1, 100000000},
	    {"batch_hosts", SC_OPT_INT, "50", "hosts per batch", &a.batch_hosts, 1,
	     10000},
	    {"timeout_s", SC_OPT_INT, "7200", "give up waiting after this long",
	     &a.timeout_s, 1, 86400},
	    {"rate", SC_OPT_INT, "0",
	     "batches per second to offer (0: all at once; below capacity, the "
	     "latency is the pipeline's own rather than the backlog's)",
	     &a.rate, 0, 1000000},
	};
	size_t nopts = sizeof opts / sizeof opts[0];
	char err[512];
	int npos = 0;
	sc_log_init("bench_msp");
	int rc = sc_config_load(opts, nopts, NULL, argc, argv, &npos, err, sizeof err);
	if (rc) {
		if (rc < 0)
			fprintf(stderr, "bench_msp: %s\n", err);
		sc_config_free(opts, nopts);
		return rc < 0 ? 2 : 0;
	}
	if (a.networks < a.orgs || a.hosts < a.networks) {
		fprintf(stderr, "bench_msp: need orgs <= networks <= hosts\n");
		sc_config_free(opts, nopts);
		return 2;
	}
	if (!strcmp(a.mode, "reference"))
		a.rate = 0; /* the reference is the bus at full speed */
	struct run run = {.a = &a};
	long most = net_hosts(&a, 0);
	run.rounds = (most + a.batch_hosts - 1) / a.batch_hosts;
	for (long j = 0; j < a.networks; j++)
		run.batches += (net_hosts(&a, j) + a.batch_hosts - 1) / a.batch_hosts;
	run.sample_every = run.batches / MAX_SAMPLES + 1;
	printf("MSP: %ld organisations, %ld networks, %ld hosts, %ld batches of up to "
	       "%ld hosts (%d observations a host)\n",
	       a.orgs, a.networks, a.hosts, run.batches, a.batch_hosts, OBS_PER_HOST);
	fflush(stdout);
	struct sc_nats n = {0};
	rc = sc_nats_connect(&n, a.nats_url, "bench-msp", NULL) ||
	     sc_nats_ensure_streams(&n, 1);
	if (!rc)
		rc = !strcmp(a.mode, "reference") ? reference(&run, &n)
		                                  : pipeline(&run, &n);
	sc_nats_close(&n);
	sc_config_free(opts, nopts);
	nats_Close();
	return rc ? 1 : 0;
}
