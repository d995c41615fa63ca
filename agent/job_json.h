/* A job as JSON, the shape the gateway's heartbeat hands out and a ServerPoll
 * server may send: {session_id, type, deep?, targets?, deep_targets?,
 * snmp_credentials?}. */
#ifndef AGENT_JOB_JSON_H
#define AGENT_JOB_JSON_H

#include "job.pb-c.h"
#include "snmp_cred_json.h"

#include <jansson.h>
#include <stddef.h>

/* Room callers give job_from_json for a job's targets and deep targets. */
#define JOB_TARGETS_MAX 128

/* Fills job (INIT'd by the caller) from j. Strings point into j, targets into
 * `targets` (room for max: the targets, then the deep targets), credentials into *creds
 * (free with snmp_creds_free): keep all three alive while job is used. 0, or -1 when
 * session_id or type is missing. */
int job_from_json(json_t *j, Scanopy__V1__Job *job, char **targets, size_t max,
                  struct snmp_creds *creds);

#endif
