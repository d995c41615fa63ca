#include "wbuf.h"

#include "sc_pg.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void grow(struct pgarr *a, size_t more)
{
	if (a->failed || a->n + more + 2 <= a->cap)
		return;
	size_t cap = a->cap ? a->cap : 1024;
	while (a->n + more + 2 > cap)
		cap *= 2;
	char *s = realloc(a->s, cap);
	if (!s) {
		a->failed = 1;
		return;
	}
	a->s = s;
	a->cap = cap;
}

void pgarr_add(struct pgarr *a, const char *v)
{
	size_t len = v ? strlen(v) : 0;
	grow(a, 2 * len + 8);
	if (a->failed)
		return;
	a->s[a->n++] = a->count ? ',' : '{';
	if (!v) {
		memcpy(a->s + a->n, "NULL", 4);
		a->n += 4;
	} else {
		a->s[a->n++] = '"';
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				a->s[a->n++] = '\\';
			a->s[a->n++] = *v;
		}
		a->s[a->n++] = '"';
	}
	a->count++;
}

const char *pgarr_text(struct pgarr *a)
{
	grow(a, 2);
	if (a->failed)
		return NULL;
	if (!a->count) {
		memcpy(a->s, "{}", 3);
		return a->s;
	}
	a->s[a->n] = '}';
	a->s[a->n + 1] = '\0';
	return a->s;
}

void pgarr_reset(struct pgarr *a)
{
	a->n = a->count = 0;
	a->failed = 0;
}

void pgarr_free(struct pgarr *a)
{
	free(a->s);
	memset(a, 0, sizeof *a);
}

/* Columns of each pending table. */
enum { H_ID, H_SEEN, H_N };
enum { I_KIND, I_VALUE, I_HOST, I_REASON, I_SEEN, I_N };
enum { A_IP, A_HOST, A_MAC, A_SOURCE, A_SEEN, A_N };
enum { S_IP, S_SWEPT, S_VLAN, S_INNER, S_SEEN, S_N };
enum { T_IP, T_TTL, T_N };
enum { P_HOST, P_PROTO, P_PORT, P_STATUS, P_IP, P_SEEN, P_N };
enum {
	N_HOST,
	N_LOCAL,
	N_PROTO,
	N_CHASSIS,
	N_PORT_ID,
	N_DESCR,
	N_SYSNAME,
	N_MGMT,
	N_CAPS,
	N_RPORT,
	N_SEEN,
	N_N
};
enum { C_KIND, C_HOST, C_DETAIL, C_SEEN, C_N };

struct wbuf {
	struct pgarr hosts[H_N], idents[I_N], addrs[A_N], sights[S_N], ttls[T_N],
	    ports[P_N], neigh[N_N], changes[C_N];
};

#define EACH_TABLE(w, X)                                                                 \
	X((w)->hosts, H_N)                                                               \
	X((w)->idents, I_N)                                                              \
	X((w)->addrs, A_N)                                                               \
	X((w)->sights, S_N)                                                              \
	X((w)->ttls, T_N) X((w)->ports, P_N) X((w)->neigh, N_N) X((w)->changes, C_N)

struct wbuf *wbuf_new(void)
{
	return calloc(1, sizeof(struct wbuf));
}

void wbuf_free(struct wbuf *w)
{
	if (!w)
		return;
#define FREE_COLS(t, n)                                                                  \
	for (size_t i = 0; i < (n); i++)                                                 \
		pgarr_free(&(t)[i]);
	EACH_TABLE(w, FREE_COLS)
#undef FREE_COLS
	free(w);
}

/* Appends one row to a table's columns. */
static int row(struct pgarr *cols, size_t n, const char *const *v)
{
	for (size_t i = 0; i < n; i++) {
		pgarr_add(&cols[i], v[i]);
		if (cols[i].failed)
			return -1;
	}
	return 0;
}

int wb_uuid(char out[37])
{
	static _Thread_local uint64_t last_ms;
	static _Thread_local unsigned seq;
	unsigned char r[16];
	struct timespec ts;
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r ||
	    clock_gettime(CLOCK_REALTIME, &ts))
		return -1;
	uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (ms > last_ms) {
		seq = 0;
	} else if (++seq > 0xfff) { /* 4096 in one ms: borrow the next */
		ms = last_ms + 1;
		seq = 0;
	} else {
		ms = last_ms;
	}
	last_ms = ms;
	for (int i = 0; i < 6; i++)
		r[i] = (unsigned char)(ms >> (40 - 8 * i));
	r[6] = (unsigned char)(0x70 | (seq >> 8));
	r[7] = (unsigned char)(seq & 0xff);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11],
	         r[12], r[13], r[14], r[15]);
	return 0;
}

int wb_host(struct batch_ctx *b, const char *id)
{
	const char *v[] = {id, b->seen};
	return row(b->wb->hosts, H_N, v);
}

int wb_identity(struct batch_ctx *b, const char *kind, const char *value,
                const char *host, const char *reason)
{
	const char *v[] = {kind, value, host, reason, b->seen};
	return row(b->wb->idents, I_N, v);
}

int wb_address(struct batch_ctx *b, const char *ip, const char *mac, const char *host,
               const char *source)
{
	const char *v[] = {ip, host, mac, source, b->seen};
	return row(b->wb->addrs, A_N, v);
}

int wb_address_ttl(struct batch_ctx *b, const char *ip, unsigned ttl)
{
	char t[12];
	snprintf(t, sizeof t, "%u", ttl);
	const char *v[] = {ip, t};
	return row(b->wb->ttls, T_N, v);
}

int wb_sighting(struct batch_ctx *b, const char *ip, const char *swept, const char *vlan,
                const char *inner_vlan)
{
	const char *v[] = {ip, swept, vlan, inner_vlan, b->seen};
	return row(b->wb->sights, S_N, v);
}

int wb_port(struct batch_ctx *b, const char *host, const char *proto, const char *port,
            const char *status, const char *ip)
{
	const char *v[] = {host, proto, port, status, ip, b->seen};
	return row(b->wb->ports, P_N, v);
}

int wb_neighbor(struct batch_ctx *b, const char *host, const char *local,
                const char *protocol, const char *chassis, const char *port_id,
                const char *descr, const char *sys_name, const char *mgmt,
                const char *caps, const char *rport)
{
	const char *v[] = {host,     local, protocol, chassis, port_id, descr,
	                   sys_name, mgmt,  caps,     rport,   b->seen};
	return row(b->wb->neigh, N_N, v);
}

int wb_change(struct batch_ctx *b, const char *kind, const char *host,
              const char *detail_json)
{
	const char *v[] = {kind, host, detail_json, b->seen};
	return row(b->wb->changes, C_N, v);
}

/* Runs one statement over a table's columns, after the fixed parameters
 * (at most 4), and empties the table. Nothing pending: nothing to run. */
static int write_table(struct batch_ctx *b, struct pgarr *cols, size_t n,
                       const char *const *fixed, size_t nfixed, const char *sql)
{
	if (!cols[0].count)
		return 0;
	const char *p[16];
	size_t np = 0;
	for (size_t i = 0; i < nfixed; i++)
		p[np++] = fixed[i];
	for (size_t i = 0; i < n; i++)
		if (!(p[np++] = pgarr_text(&cols[i])))
			return -1;
	int rc = sc_pg_exec(b->pg, sql, (int)np, p);
	for (size_t i = 0; i < n; i++)
		pgarr_reset(&cols[i]);
	return rc;
}

/* New hosts, first seen when made and last seen at the newest time the batch
 * touched them ($5, $6: ids and times, as key_cache_flush gives them; empty
 * when unknown), so a host new to the batch is written once, not written and
 * then updated. */
static const char SQL_HOSTS[] =
    "INSERT INTO inv.hosts (id, org_id, network_id, first_seen, last_seen) SELECT "
    "x.id, $1, $2, to_timestamp(x.s), to_timestamp(GREATEST(x.s, t.s)) FROM "
    "unnest($3::uuid[], $4::float8[]) AS x(id, s) LEFT JOIN unnest($5::uuid[], "
    "$6::float8[]) AS t(id, s) ON t.id = x.id";

static const char SQL_CHANGES[] =
    "INSERT INTO inv.changes (org_id, network_id, at, kind, host_id, detail, "
    "daemon_id, sequence) SELECT $1, $2, to_timestamp(x.s), x.kind, x.host, "
    "coalesce(x.detail::jsonb, '{}'), $3, $4 FROM unnest($5::text[], $6::uuid[], "
    "$7::text[], $8::float8[]) WITH ORDINALITY AS x(kind, host, detail, s, o) ORDER "
    "BY x.o";

static const char SQL_IDENTS[] =
    "INSERT INTO inv.host_identities (org_id, network_id, kind, value, host_id, "
    "reason, daemon_id, bound_at, first_seen, last_seen) SELECT $1, $2, x.kind, "
    "x.value, x.host, x.reason, $3, to_timestamp(x.s), to_timestamp(x.s), "
    "to_timestamp(x.s) FROM unnest($4::text[], $5::text[], $6::uuid[], $7::text[], "
    "$8::float8[]) WITH ORDINALITY AS x(kind, value, host, reason, s, o) ORDER BY "
    "x.o ON CONFLICT DO NOTHING";

/* One row per address: the last written host and source, the last MAC
 * given, the earliest and latest times, as per-row upserts would leave it;
 * and the sightings' sweep times and VLAN tags (sightings.h): written with
 * the row when it is written here, else by the update at the end (an address
 * written by an earlier flush), so a swept address is written once, not
 * written and then updated. Each VLAN heard becomes (or refreshes) the
 * network's row: the outer tag's on its own, a QinQ inner tag's under its
 * outer one. */
static const char SQL_ADDRS[] =
    "WITH x AS (SELECT * FROM unnest($4::inet[], $5::uuid[], $6::macaddr[], "
    "$7::text[], $8::float8[]) WITH ORDINALITY AS x(ip, host, mac, source, s, o)), g "
    "AS (SELECT x.ip, (array_agg(x.host ORDER BY x.o DESC))[1] AS host, "
    "(array_agg(x.mac ORDER BY x.o DESC) FILTER (WHERE x.mac IS NOT NULL))[1] AS "
    "mac, (array_agg(x.source ORDER BY x.o))[1] AS source, min(x.s) AS f, max(x.s) "
    "AS l FROM x GROUP BY x.ip), y AS (SELECT * FROM unnest($9::inet[], "
    "$10::float8[], $11::int[], $12::int[], $13::float8[]) WITH ORDINALITY AS y(ip, "
    "swept, vlan, inner_vlan, s, o)), sg AS (SELECT y.ip, max(y.swept) AS swept, "
    "(array_agg(y.vlan ORDER BY y.s DESC, y.o DESC) FILTER (WHERE y.vlan IS NOT "
    "NULL))[1] AS vlan, (array_agg(y.inner_vlan ORDER BY y.s DESC, y.o DESC) FILTER "
    "(WHERE y.vlan IS NOT NULL))[1] AS inner_vlan FROM y GROUP BY y.ip), v AS "
    "(INSERT INTO inv.vlans (org_id, network_id, outer_vlan_id, vlan_id, "
    "first_seen, last_seen) SELECT $1, $2, z.ov, z.vlan, to_timestamp(min(z.s)), "
    "to_timestamp(max(z.s)) FROM (SELECT 0 AS ov, y.vlan, y.s FROM y WHERE y.vlan "
    "IS NOT NULL UNION ALL SELECT y.vlan, y.inner_vlan, y.s FROM y WHERE y.vlan IS "
    "NOT NULL AND y.inner_vlan IS NOT NULL) z GROUP BY z.ov, z.vlan ON CONFLICT "
    "(network_id, outer_vlan_id, vlan_id) DO UPDATE SET first_seen = "
    "LEAST(inv.vlans.first_seen, EXCLUDED.first_seen), "
    "last_seen = GREATEST(inv.vlans.last_seen, EXCLUDED.last_seen)), up AS (INSERT "
    "INTO inv.addresses (org_id, network_id, ip, host_id, mac, source, daemon_id, "
    "first_seen, last_seen, swept_at, vlan_id, inner_vlan_id) SELECT $1, $2, g.ip, "
    "g.host, g.mac, g.source, $3, to_timestamp(g.f), to_timestamp(g.l), "
    "to_timestamp(sg.swept), sg.vlan, sg.inner_vlan FROM g LEFT JOIN sg ON sg.ip = "
    "g.ip ON CONFLICT (network_id, ip) DO UPDATE SET host_id = EXCLUDED.host_id, mac "
    "= coalesce(EXCLUDED.mac, inv.addresses.mac), first_seen = "
    "LEAST(inv.addresses.first_seen, EXCLUDED.first_seen), last_seen = "
    "GREATEST(inv.addresses.last_seen, EXCLUDED.last_seen), swept_at = "
    "GREATEST(inv.addresses.swept_at, EXCLUDED.swept_at), vlan_id = "
    "coalesce(EXCLUDED.vlan_id, inv.addresses.vlan_id), inner_vlan_id = CASE WHEN "
    "EXCLUDED.vlan_id IS NULL THEN inv.addresses.inner_vlan_id ELSE "
    "EXCLUDED.inner_vlan_id END) UPDATE inv.addresses a SET swept_at = "
    "GREATEST(a.swept_at, to_timestamp(sg.swept)), vlan_id = coalesce(sg.vlan, "
    "a.vlan_id), inner_vlan_id = CASE WHEN sg.vlan IS NULL THEN a.inner_vlan_id ELSE "
    "sg.inner_vlan END FROM sg WHERE a.network_id = $2 AND a.ip = sg.ip AND NOT "
    "EXISTS (SELECT 1 FROM g WHERE g.ip = sg.ip) AND (a.swept_at IS DISTINCT FROM "
    "GREATEST(a.swept_at, to_timestamp(sg.swept)) OR (sg.vlan IS NOT NULL AND "
    "(a.vlan_id, a.inner_vlan_id) IS DISTINCT FROM (sg.vlan, sg.inner_vlan)))";

static const char SQL_TTLS[] =
    "UPDATE inv.addresses a SET ttl = x.ttl FROM (SELECT DISTINCT ON (y.ip) y.ip, "
    "y.ttl FROM unnest($2::inet[], $3::int[]) WITH ORDINALITY AS y(ip, ttl, o) ORDER "
    "BY y.ip, y.o DESC) x WHERE a.network_id = $1 AND a.ip = x.ip AND a.ttl IS "
    "DISTINCT FROM x.ttl";

/* One row per port (the newest status), and a port_opened change for each
 * port the host did not have. */
static const char SQL_PORTS[] =
    "WITH x AS (SELECT * FROM unnest($5::uuid[], $6::text[], $7::int[], $8::text[], "
    "$9::inet[], $10::float8[]) WITH ORDINALITY AS x(host, proto, port, status, ip, "
    "s, o)), g AS (SELECT DISTINCT ON (x.host, x.proto, x.port) x.host, x.proto, "
    "x.port, x.status, first_value(x.ip) OVER w AS ip, min(x.s) OVER w AS f, max(x.s) "
    "OVER w AS l FROM x WINDOW w AS (PARTITION BY x.host, x.proto, x.port ORDER BY "
    "x.o ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) ORDER BY x.host, "
    "x.proto, x.port, x.s DESC, x.o DESC), up AS (INSERT INTO inv.ports (host_id, "
    "org_id, protocol, port, status, ip, daemon_id, first_seen, last_seen) SELECT "
    "g.host, $1, g.proto, g.port, g.status, g.ip, $3, to_timestamp(g.f), "
    "to_timestamp(g.l) FROM g ON CONFLICT (host_id, protocol, port) DO UPDATE SET "
    "status = CASE WHEN EXCLUDED.last_seen >= inv.ports.last_seen THEN "
    "EXCLUDED.status ELSE inv.ports.status END, first_seen = "
    "LEAST(inv.ports.first_seen, EXCLUDED.first_seen), last_seen = "
    "GREATEST(inv.ports.last_seen, EXCLUDED.last_seen) RETURNING host_id, protocol, "
    "port, ip, first_seen, (xmax = 0) AS fresh) INSERT INTO inv.changes (org_id, "
    "network_id, at, kind, host_id, detail, daemon_id, sequence) SELECT $1, $2, "
    "up.first_seen, 'port_opened', up.host_id, jsonb_build_object('protocol', "
    "up.protocol, 'port', up.port, 'ip', host(up.ip)), $3, $4 FROM up WHERE up.fresh "
    "ORDER BY up.first_seen, up.host_id, up.protocol, up.port";

/* One row per neighbour entry, the last one written winning. */
static const char SQL_NEIGHBORS[] =
    "WITH x AS (SELECT * FROM unnest($4::uuid[], $5::text[], $6::text[], $7::text[], "
    "$8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::text[], "
    "$14::float8[]) WITH ORDINALITY AS x(host, local, proto, chassis, port_id, "
    "descr, sysname, mgmt, caps, rport, s, o)), g AS (SELECT DISTINCT ON (x.host, "
    "x.local, x.chassis, x.port_id) x.*, min(x.s) OVER w AS f, max(x.s) OVER w AS l "
    "FROM x WINDOW w AS (PARTITION BY x.host, x.local, x.chassis, x.port_id) ORDER "
    "BY x.host, x.local, x.chassis, x.port_id, x.o DESC) INSERT INTO inv.neighbors "
    "(host_id, org_id, network_id, local_port, protocol, remote_chassis_id, "
    "remote_port_id, remote_port_descr, remote_sys_name, remote_mgmt, remote_caps, "
    "remote_port, daemon_id, first_seen, last_seen) SELECT g.host, $1, $2, g.local, "
    "g.proto, g.chassis, g.port_id, g.descr, g.sysname, "
    "coalesce(string_to_array(nullif(g.mgmt, ''), ','), '{}'), g.caps, g.rport, $3, "
    "to_timestamp(g.f), to_timestamp(g.l) FROM g ON CONFLICT (host_id, local_port, "
    "remote_chassis_id, remote_port_id) DO UPDATE SET remote_port_descr = "
    "EXCLUDED.remote_port_descr, remote_sys_name = EXCLUDED.remote_sys_name, "
    "remote_mgmt = EXCLUDED.remote_mgmt, remote_caps = EXCLUDED.remote_caps, "
    "remote_port = EXCLUDED.remote_port, last_seen = "
    "GREATEST(inv.neighbors.last_seen, EXCLUDED.last_seen)";

/* The address rows and the sightings, in one statement (SQL_ADDRS). */
static int write_addresses(struct batch_ctx *b)
{
	struct wbuf *w = b->wb;
	if (!w->addrs[0].count && !w->sights[0].count)
		return 0;
	const char *p[3 + A_N + S_N] = {b->org, b->network, b->daemon};
	size_t np = 3;
	for (size_t i = 0; i < A_N; i++)
		if (!(p[np++] = pgarr_text(&w->addrs[i])))
			return -1;
	for (size_t i = 0; i < S_N; i++)
		if (!(p[np++] = pgarr_text(&w->sights[i])))
			return -1;
	int rc = sc_pg_exec(b->pg, SQL_ADDRS, (int)np, p);
	for (size_t i = 0; i < A_N; i++)
		pgarr_reset(&w->addrs[i]);
	for (size_t i = 0; i < S_N; i++)
		pgarr_reset(&w->sights[i]);
	return rc;
}

int wbuf_flush_hosts(struct batch_ctx *b, const char *ids, const char *seen)
{
	struct pgarr *c = b->wb->hosts;
	if (!c[0].count)
		return 0;
	const char *p[] = {
	    b->org, b->network, pgarr_text(&c[H_ID]), pgarr_text(&c[H_SEEN]), ids, seen};
	if (!p[2] || !p[3])
		return -1;
	int rc = sc_pg_exec(b->pg, SQL_HOSTS, 6, p);
	for (size_t i = 0; i < H_N; i++)
		pgarr_reset(&c[i]);
	return rc;
}

int wbuf_flush(struct batch_ctx *b)
{
	struct wbuf *w = b->wb;
	const char *f3[] = {b->org, b->network, b->daemon},
	           *f4[] = {b->org, b->network, b->daemon, b->seq_text},
	           *net[] = {b->network};
	return wbuf_flush_hosts(b, "{}", "{}") ||
	               write_table(b, w->changes, C_N, f4, 4, SQL_CHANGES) ||
	               write_table(b, w->idents, I_N, f3, 3, SQL_IDENTS) ||
	               write_addresses(b) ||
	               write_table(b, w->ttls, T_N, net, 1, SQL_TTLS) ||
	               write_table(b, w->ports, P_N, f4, 4, SQL_PORTS) ||
	               write_table(b, w->neigh, N_N, f3, 3, SQL_NEIGHBORS)
	           ? -1
	           : 0;
}

int batch_exec(struct batch_ctx *b, const char *sql, int n, const char *const *params)
{
	return wbuf_flush(b) ? -1 : sc_pg_exec(b->pg, sql, n, params);
}

PGresult *batch_query(struct batch_ctx *b, const char *sql, int n,
                      const char *const *params)
{
	return wbuf_flush(b) ? NULL : sc_pg_query(b->pg, sql, n, params);
}
