/* One SNMP session to one agent with one credential (net-snmp's single
 * session API), and GETBULK walks of several subtrees at once (GETNEXT for
 * v1) into an sv_table. Credentials are used to build the session and are
 * never logged; error texts name the credential by version and user only.
 *
 * net-snmp is built without NETSNMP_REENTRANT on Debian: its USM user list
 * is shared, so every SNMPv3 session runs under snmp_v3_lock() (callers hold
 * it from open to close); opening and closing any session takes an internal
 * lock too. v1/v2c sessions walk concurrently. */
#ifndef SNMP_WALK_H
#define SNMP_WALK_H

#include "job.pb-c.h"
#include "sv_table.h"

#include <stdint.h>

struct snmp_sess {
	void *h;
	int version; /* 1, 2 (v2c) or 3 */
	unsigned timeout_ms, retries;
};

/* Once per process (idempotent): no MIB files, no config or persistent files. */
void snmp_lib_init(void);
void snmp_v3_lock(void);
void snmp_v3_unlock(void);

/* Describes a credential without its secrets: "v2c community #2", "v3 user
 * labmon (SHA/AES)". */
void snmp_cred_label(const Scanopy__V1__SnmpCredential *c, size_t n, char *out,
                     size_t outlen);

/* 0, or -1 with a reason in err (unknown protocol, unreachable for v3 engine
 * discovery, ...). */
int snmp_sess_open_cred(struct snmp_sess *w, const char *ip,
                        const Scanopy__V1__SnmpCredential *c, unsigned timeout_ms,
                        unsigned retries, char *err, size_t errlen);
void snmp_sess_close_cred(struct snmp_sess *w);
/* The agent's SNMPv3 engine id as hex (v3 only; "" otherwise). */
void snmp_sess_engine_id(struct snmp_sess *w, char *out, size_t outlen);

/* Walks every root (in one request stream) into t, stopping at deadline_ms
 * (unix ms, 0 none). 0 when complete; -1 with err on no answer, an
 * authentication/privacy failure, an agent error or the deadline (what was
 * read stays in t). */
int snmp_walk(struct snmp_sess *w, const uint32_t *const *roots, const size_t *rlens,
              size_t nroots, struct sv_table *t, int64_t deadline_ms, char *err,
              size_t errlen);

#endif
