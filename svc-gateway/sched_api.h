/* What the schedule and session handlers share: a session's JSON shape (as
 * SQL over an alias `s` of sched.sessions), the discovery types, and targets
 * as a PostgreSQL text[] literal. */
#ifndef GATEWAY_SCHED_API_H
#define GATEWAY_SCHED_API_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#define SESSION_JSON                                                                     \
	"json_build_object('id', s.id, 'network_id', s.network_id, 'daemon_id', "        \
	"s.daemon_id, 'schedule_id', s.schedule_id, 'type', s.discovery_type, 'deep', "  \
	"s.deep, 'targets', s.targets, 'deep_targets', s.deep_targets, 'state', "        \
	"s.state, 'progress', s.progress, "                                              \
	"'phase', s.phase, 'reason', s.reason, 'summary', s.summary, 'hosts_found', "    \
	"s.hosts_found, 'ports_found', s.ports_found, 'started_by', s.started_by, "      \
	"'created_at', s.created_at, 'started_at', s.started_at, 'finished_at', "        \
	"s.finished_at, 'last_progress_at', s.last_progress_at)::text"

/* How a daemon (alias `d` of core.daemons) is handed its jobs, for a
 * schedule's or session's dispatch column. */
#define DISPATCH_OF_DAEMON                                                               \
	"CASE d.mode WHEN 'integrated' THEN 'nats' WHEN 'server_poll' THEN 'server' "    \
	"ELSE 'poll' END"

/* A new daemon's default schedules (for the rows of a CTE `d` of
 * core.daemons), editable later: a self-report at once and daily, a light
 * network scan daily and a deep one weekly. Nothing when it has schedules. */
#define DEFAULT_SCHEDULES_OF_D                                                           \
	"INSERT INTO sched.schedules (org_id, network_id, daemon_id, name, "             \
	"discovery_type, interval_seconds, deep, dispatch, next_run_at) SELECT "         \
	"d.org_id, d.network_id, d.id, x.name, x.type, x.secs, "                         \
	"x.deep, " DISPATCH_OF_DAEMON                                                    \
	", now() + make_interval(secs => x.first) FROM d, (VALUES "                      \
	"('self-report', 'self_report', 86400, false, 0), ('light network scan', "       \
	"'network', 86400, false, 86400), ('deep network scan', 'network', 604800, "     \
	"true, 604800)) x(name, type, secs, deep, first) WHERE NOT EXISTS (SELECT 1 "    \
	"FROM sched.schedules s WHERE s.daemon_id = d.id)"

/* self_report, network, snmp, docker or unified. */
bool discovery_type_valid(const char *t);

/* Targets (a JSON array of CIDRs or addresses) as a text[] literal; -1 if any
 * is invalid or the literal does not fit. */
int targets_literal(json_t *targets, char *out, size_t len);

struct request;
/* Refuses (422, field deep_targets, saying which and why) deep targets that
 * lie within none of the job's targets: those given (text[] literals; NULL:
 * the schedule's stored ones), else the subnets its daemon reported. The
 * daemon: daemon, else the schedule's, else the network's most recently
 * seen. 0 when they all do; -1 when *res holds the reply (deep_within.c). */
int deep_targets_within(struct request *r, const char *daemon, const char *network,
                        const char *schedule, const char *targets,
                        const char *deep_targets, enum MHD_Result *res);

#endif
