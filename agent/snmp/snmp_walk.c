#include "snmp_walk.h"
#include "sc_batch.h"

/* net-snmp's headers must come in this order */
#include <net-snmp/net-snmp-config.h>

#include <net-snmp/net-snmp-includes.h>

#include <net-snmp/library/snmpusm.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lib_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t v3_lock = PTHREAD_MUTEX_INITIALIZER;

static void lib_init(void)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS,
	                       1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE,
	                       1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* numeric OIDs only: no MIB directory to read */
	setenv("MIBS", "", 1);
	setenv("MIBDIRS", "", 1);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
	init_snmp("scanopy-daemon");
}

void snmp_lib_init(void)
{
	pthread_once(&once, lib_init);
}

void snmp_v3_lock(void)
{
	pthread_mutex_lock(&v3_lock);
}

void snmp_v3_unlock(void)
{
	pthread_mutex_unlock(&v3_lock);
}

static int version_of(const Scanopy__V1__SnmpCredential *c)
{
	switch (c->version) {
	case SCANOPY__V1__SNMP_VERSION__SNMP_V1:
		return 1;
	case SCANOPY__V1__SNMP_VERSION__SNMP_V3:
		return 3;
	default:
		return 2;
	}
}

void snmp_cred_label(const Scanopy__V1__SnmpCredential *c, size_t n, char *out,
                     size_t outlen)
{
	int v = version_of(c);
	if (v == 3)
		snprintf(
		    out, outlen, "credential #%zu (v3 user %s, %s/%s)", n,
		    c->username ? c->username : "",
		    c->auth_protocol && *c->auth_protocol ? c->auth_protocol : "noauth",
		    c->priv_protocol && *c->priv_protocol ? c->priv_protocol : "nopriv");
	else
		snprintf(out, outlen, "credential #%zu (%s community)", n,
		         v == 1 ? "v1" : "v2c");
}

static int auth_proto(const char *name, const oid **p, size_t *len)
{
	if (!strcasecmp(name, "SHA") || !strcasecmp(name, "SHA1") ||
	    !strcasecmp(name, "SHA-1")) {
		*p = usmHMACSHA1AuthProtocol;
		*len = OID_LENGTH(usmHMACSHA1AuthProtocol);
	} else if (!strcasecmp(name, "SHA-224") || !strcasecmp(name, "SHA224")) {
		*p = usmHMAC128SHA224AuthProtocol;
		*len = OID_LENGTH(usmHMAC128SHA224AuthProtocol);
	} else if (!strcasecmp(name, "SHA-256") || !strcasecmp(name, "SHA256")) {
		*p = usmHMAC192SHA256AuthProtocol;
		*len = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
	} else if (!strcasecmp(name, "SHA-384") || !strcasecmp(name, "SHA384")) {
		*p = usmHMAC256SHA384AuthProtocol;
		*len = OID_LENGTH(usmHMAC256SHA384AuthProtocol);
	} else if (!strcasecmp(name, "SHA-512") || !strcasecmp(name, "SHA512")) {
		*p = usmHMAC384SHA512AuthProtocol;
		*len = OID_LENGTH(usmHMAC384SHA512AuthProtocol);
	} else if (!strcasecmp(name, "MD5")) {
		*p = usmHMACMD5AuthProtocol;
		*len = OID_LENGTH(usmHMACMD5AuthProtocol);
	} else
		return -1;
	return 0;
}

static int priv_proto(const char *name, const oid **p, size_t *len)
{
	if (!strcasecmp(name, "AES") || !strcasecmp(name, "AES-128") ||
	    !strcasecmp(name, "AES128")) {
		*p = usmAESPrivProtocol;
		*len = OID_LENGTH(usmAESPrivProtocol);
	} else if (!strcasecmp(name, "AES-192") || !strcasecmp(name, "AES192")) {
		*p = usmAES192PrivProtocol;
		*len = OID_LENGTH(usmAES192PrivProtocol);
	} else if (!strcasecmp(name, "AES-256") || !strcasecmp(name, "AES256")) {
		*p = usmAES256PrivProtocol;
		*len = OID_LENGTH(usmAES256PrivProtocol);
	} else if (!strcasecmp(name, "DES")) {
		*p = usmDESPrivProtocol;
		*len = OID_LENGTH(usmDESPrivProtocol);
	} else
		return -1;
	return 0;
}

static int setup_v3(netsnmp_session *s, const Scanopy__V1__SnmpCredential *c, char *err,
                    size_t errlen)
{
	const char *auth = c->auth_protocol ? c->auth_protocol : "",
	           *priv = c->priv_protocol ? c->priv_protocol : "";
	if (!c->username || !*c->username) {
		snprintf(err, errlen, "SNMPv3 credential without a user name");
		return -1;
	}
	s->securityName = c->username;
	s->securityNameLen = strlen(c->username);
	s->securityLevel = !*auth   ? SNMP_SEC_LEVEL_NOAUTH
	                   : !*priv ? SNMP_SEC_LEVEL_AUTHNOPRIV
	                            : SNMP_SEC_LEVEL_AUTHPRIV;
	if (!*auth) {
		if (*priv) {
			snprintf(err, errlen,
			         "SNMPv3 privacy needs an authentication protocol");
			return -1;
		}
		return 0;
	}
	const oid *ap;
	size_t aplen;
	if (auth_proto(auth, &ap, &aplen)) {
		snprintf(err, errlen,
		         "unknown SNMPv3 auth protocol '%s' (MD5, SHA, SHA-224, SHA-256, "
		         "SHA-384, SHA-512)",
		         auth);
		return -1;
	}
	s->securityAuthProto = snmp_duplicate_objid(ap, aplen);
	s->securityAuthProtoLen = aplen;
	s->securityAuthKeyLen = USM_AUTH_KU_LEN;
	const char *ak = c->auth_key ? c->auth_key : "";
	if (strlen(ak) < 8 ||
	    generate_Ku(s->securityAuthProto, (u_int)aplen, (const u_char *)ak,
	                strlen(ak), s->securityAuthKey,
	                &s->securityAuthKeyLen) != SNMPERR_SUCCESS) {
		snprintf(err, errlen,
		         "the SNMPv3 auth key is unusable (at least 8 characters)");
		return -1;
	}
	if (!*priv)
		return 0;
	const oid *pp;
	size_t pplen;
	if (priv_proto(priv, &pp, &pplen)) {
		snprintf(
		    err, errlen,
		    "unknown SNMPv3 privacy protocol '%s' (DES, AES, AES-192, AES-256)",
		    priv);
		return -1;
	}
	s->securityPrivProto = snmp_duplicate_objid(pp, pplen);
	s->securityPrivProtoLen = pplen;
	s->securityPrivKeyLen = USM_PRIV_KU_LEN;
	const char *pk = c->priv_key ? c->priv_key : "";
	if (strlen(pk) < 8 ||
	    generate_Ku(s->securityAuthProto, (u_int)aplen, (const u_char *)pk,
	                strlen(pk), s->securityPrivKey,
	                &s->securityPrivKeyLen) != SNMPERR_SUCCESS) {
		snprintf(err, errlen,
		         "the SNMPv3 privacy key is unusable (at least 8 characters)");
		return -1;
	}
	return 0;
}

int snmp_sess_open_cred(struct snmp_sess *w, const char *ip,
                        const Scanopy__V1__SnmpCredential *c, unsigned timeout_ms,
                        unsigned retries, char *err, size_t errlen)
{
	netsnmp_session s;
	char peer[96];
	snmp_lib_init();
	memset(w, 0, sizeof *w);
	snmp_sess_init(&s);
	snprintf(peer, sizeof peer, strchr(ip, ':') ? "udp6:[%s]:161" : "udp:%s:161", ip);
	s.peername = peer;
	s.timeout = (long)timeout_ms * 1000;
	s.retries = (int)retries;
	w->version = version_of(c);
	w->timeout_ms = timeout_ms;
	w->retries = retries;
	int rc = 0;
	if (w->version == 3) {
		s.version = SNMP_VERSION_3;
		rc = setup_v3(&s, c, err, errlen);
	} else {
		s.version = w->version == 1 ? SNMP_VERSION_1 : SNMP_VERSION_2c;
		s.community = (u_char *)(c->community ? c->community : "");
		s.community_len = strlen((const char *)s.community);
	}
	if (rc == 0) {
		pthread_mutex_lock(&lib_lock);
		w->h = snmp_sess_open(&s);
		pthread_mutex_unlock(&lib_lock);
		if (!w->h) {
			char *msg = NULL;
			int liberr, syserr;
			snmp_error(&s, &liberr, &syserr, &msg);
			snprintf(err, errlen, "cannot open a session: %s",
			         msg ? msg : "unknown error");
			free(msg);
			rc = -1;
		}
	}
	/* snmp_sess_open copied what it needs; wipe our copies of the keys */
	free(s.securityAuthProto);
	free(s.securityPrivProto);
	memset(s.securityAuthKey, 0, sizeof s.securityAuthKey);
	memset(s.securityPrivKey, 0, sizeof s.securityPrivKey);
	return rc;
}

void snmp_sess_engine_id(struct snmp_sess *w, char *out, size_t outlen)
{
	out[0] = 0;
	if (!w->h || w->version != 3)
		return;
	netsnmp_session *ss = snmp_sess_session(w->h);
	size_t o = 0;
	for (size_t i = 0; ss && i < ss->securityEngineIDLen && o + 3 <= outlen; i++)
		o += (size_t)snprintf(out + o, outlen - o, "%02x",
		                      ss->securityEngineID[i]);
}

void snmp_sess_close_cred(struct snmp_sess *w)
{
	if (!w->h)
		return;
	pthread_mutex_lock(&lib_lock);
	if (w->version == 3) {
		/* forget the user's localized keys: a later session for the same
		 * engine and user (another credential) must not reuse them */
		netsnmp_session *ss = snmp_sess_session(w->h);
		struct usmUser *u;
		while (ss && ss->securityName &&
		       (u = usm_get_user(ss->securityEngineID, ss->securityEngineIDLen,
		                         ss->securityName))) {
			usm_remove_user(u);
			usm_free_user(u);
		}
	}
	snmp_sess_close(w->h);
	pthread_mutex_unlock(&lib_lock);
	w->h = NULL;
}

static int add_var(struct sv_table *t, const netsnmp_variable_list *v)
{
	uint32_t o[SV_MAX_OID];
	if (v->name_length > SV_MAX_OID)
		return -1;
	for (size_t i = 0; i < v->name_length; i++)
		o[i] = (uint32_t)v->name[i];
	switch (v->type) {
	case ASN_OCTET_STR:
	case ASN_IPADDRESS:
	case ASN_OPAQUE:
		return sv_table_add(t, o, v->name_length, v->type, v->val.string,
		                    v->val_len, 0);
	case ASN_OBJECT_ID: {
		char txt[SV_MAX_OID * 11 + 1];
		size_t n = 0, arcs = v->val_len / sizeof(oid);
		txt[0] = 0;
		for (size_t i = 0; i < arcs && n + 12 < sizeof txt; i++)
			n += (size_t)snprintf(txt + n, sizeof txt - n, i ? ".%lu" : "%lu",
			                      (unsigned long)v->val.objid[i]);
		return sv_table_add(t, o, v->name_length, SV_OID, (const uint8_t *)txt, n,
		                    0);
	}
	case ASN_COUNTER64:
		return sv_table_add(t, o, v->name_length, SV_COUNTER64, NULL, 0,
		                    (uint64_t)v->val.counter64->high << 32 |
		                        v->val.counter64->low);
	case ASN_INTEGER:
		return sv_table_add(t, o, v->name_length, SV_INTEGER, NULL, 0,
		                    (uint64_t)(int64_t)*v->val.integer);
	case ASN_COUNTER:
	case ASN_GAUGE:
	case ASN_TIMETICKS:
		return sv_table_add(t, o, v->name_length, v->type, NULL, 0,
		                    (uint64_t)(uint32_t)*v->val.integer);
	default:
		return 0; /* NULL and exceptions carry nothing */
	}
}

static bool in_subtree(const netsnmp_variable_list *v, const uint32_t *root, size_t rlen)
{
	if (v->name_length <= rlen)
		return false;
	for (size_t i = 0; i < rlen; i++)
		if (v->name[i] != root[i])
			return false;
	return true;
}

struct cursor {
	const uint32_t *root;
	size_t rlen;
	oid cur[MAX_OID_LEN];
	size_t curlen;
	bool done;
};

static int request_error(struct snmp_sess *w, int status, char *err, size_t errlen)
{
	if (status == STAT_TIMEOUT) {
		const char *hint = ": wrong community, or no SNMP agent";
		if (w->version == 3) {
			/* the engine answered discovery but not the encrypted request:
			 * it could not decrypt it */
			netsnmp_session *ss = snmp_sess_session(w->h);
			hint = ss && ss->securityEngineIDLen &&
			               ss->securityLevel == SNMP_SEC_LEVEL_AUTHPRIV
			           ? ": the agent answered engine discovery but not the "
			             "encrypted "
			             "request: check the privacy protocol and key"
			           : "";
		}
		snprintf(err, errlen, "no answer within %u ms (%u tries)%s",
		         w->timeout_ms, w->retries + 1, hint);
		return -1;
	}
	char *msg = NULL;
	int liberr = 0, syserr = 0;
	snmp_sess_error(w->h, &liberr, &syserr, &msg);
	const char *hint = "";
	if (liberr == SNMPERR_AUTHENTICATION_FAILURE ||
	    (msg && strstr(msg, "Authentication failure")))
		hint = ": check the auth protocol and key";
	else if (liberr == SNMPERR_DECRYPTION_ERR)
		hint = ": check the privacy protocol and key";
	else if (liberr == SNMPERR_UNKNOWN_USER_NAME ||
	         (msg && strstr(msg, "Unknown user")))
		hint = ": the agent has no such user";
	else if (liberr == SNMPERR_UNSUPPORTED_SEC_LEVEL)
		hint = ": the user does not allow this security level";
	snprintf(err, errlen, "%s%s", msg ? msg : "request failed", hint);
	free(msg);
	return -1;
}

int snmp_walk(struct snmp_sess *w, const uint32_t *const *roots, const size_t *rlens,
              size_t nroots, struct sv_table *t, int64_t deadline_ms, char *err,
              size_t errlen)
{
	struct cursor cur[16];
	if (nroots > 16)
		nroots = 16;
	for (size_t i = 0; i < nroots; i++) {
		cur[i].root = roots[i];
		cur[i].rlen = rlens[i];
		for (size_t k = 0; k < rlens[i]; k++)
			cur[i].cur[k] = roots[i][k];
		cur[i].curlen = rlens[i];
		cur[i].done = false;
	}
	for (;;) {
		size_t active[16], na = 0;
		for (size_t i = 0; i < nroots; i++)
			if (!cur[i].done)
				active[na++] = i;
		if (!na)
			return 0;
		if (deadline_ms && sc_now_ms() >= deadline_ms) {
			snprintf(err, errlen,
			         "the device's time budget ran out mid-walk");
			return -1;
		}
		netsnmp_pdu *pdu = snmp_pdu_create(w->version == 1 ? SNMP_MSG_GETNEXT
		                                                   : SNMP_MSG_GETBULK);
		if (!pdu) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		size_t reps = w->version == 1 ? 1 : (60 + na - 1) / na;
		if (w->version != 1) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = (long)reps;
		}
		for (size_t a = 0; a < na; a++)
			snmp_add_null_var(pdu, cur[active[a]].cur, cur[active[a]].curlen);
		netsnmp_pdu *resp = NULL;
		int status = snmp_sess_synch_response(w->h, pdu, &resp);
		if (status != STAT_SUCCESS || !resp) {
			if (resp)
				snmp_free_pdu(resp);
			return request_error(w, status, err, errlen);
		}
		if (resp->errstat != SNMP_ERR_NOERROR) {
			long es = resp->errstat, ei = resp->errindex;
			snmp_free_pdu(resp);
			if (w->version == 1 && es == SNMP_ERR_NOSUCHNAME && ei >= 1 &&
			    (size_t)ei <= na) {
				cur[active[ei - 1]].done = true; /* v1 end of view */
				continue;
			}
			snprintf(err, errlen, "the agent answered with error %s",
			         snmp_errstring((int)es));
			return -1;
		}
		bool progressed[16] = {false};
		size_t k = 0;
		for (netsnmp_variable_list *v = resp->variables; v;
		     v = v->next_variable, k++) {
			struct cursor *c = &cur[active[k % na]];
			if (c->done)
				continue;
			if (v->type == SNMP_ENDOFMIBVIEW ||
			    v->type == SNMP_NOSUCHOBJECT ||
			    v->type == SNMP_NOSUCHINSTANCE ||
			    !in_subtree(v, c->root, c->rlen) ||
			    snmp_oid_compare(v->name, v->name_length, c->cur,
			                     c->curlen) <= 0) {
				c->done = true;
				continue;
			}
			if (add_var(t, v)) {
				snmp_free_pdu(resp);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			memcpy(c->cur, v->name, v->name_length * sizeof(oid));
			c->curlen = v->name_length;
			progressed[active[k % na]] = true;
		}
		snmp_free_pdu(resp);
		for (size_t a = 0; a < na; a++)
			if (!progressed[active[a]])
				cur[active[a]].done = true;
	}
}
