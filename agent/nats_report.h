/* The integrated daemon's reports over NATS, for the scheduler: the running
 * job's state and progress on scanopy.progress.<daemon> (JSON as slot_json
 * gives it; when it changes, at most every second, at least every 5 s while
 * it runs as a sign of life, and the final state a few times), and cancels
 * from scanopy.cancel.<daemon> (the session id): the running job stops; a
 * session this daemon does not run is answered at once as cancelled, so the
 * scheduler stops asking. Core NATS: a lost report is followed by the next. */
#ifndef AGENT_NATS_REPORT_H
#define AGENT_NATS_REPORT_H

#include "job_slot.h"
#include "sc_nats.h"

struct nats_report;

struct nats_report *nats_report_start(struct sc_nats *n, const char *daemon_id,
                                      struct job_slot *slot);
void nats_report_stop(struct nats_report *r);

#endif
