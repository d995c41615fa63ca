/* Daemons that went silent: a periodic sweep (the gateway's main thread, on
 * its own connection) finds the daemons not heard from for longer than
 * daemon_offline_after_s since their last announced absence, claims each
 * transition in the database (core.daemons.offline_at, migration 0008: of
 * several replicas one claims it) and publishes a "daemon" event with online
 * false for it. One statement per sweep, however many daemons: no timer per
 * daemon. */
#ifndef GATEWAY_DAEMON_OFFLINE_H
#define GATEWAY_DAEMON_OFFLINE_H

#include <libpq-fe.h>

struct gateway;

/* One sweep on pg (not a pooled tenant connection). The number of daemons
 * announced offline, or -1 on error. */
int daemon_offline_sweep(struct gateway *gw, PGconn *pg, long after_s);

/* Records after_s in core.daemon_offline_setting (migration 0010), where the
 * scheduler reads it: one threshold for the UI and the sessions. 0 or -1. */
int daemon_offline_publish(PGconn *pg, long after_s);

#endif
