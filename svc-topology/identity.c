#include "identity.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ident_mac_normalise(const char *in, char out[18])
{
	unsigned char b[6];
	size_t nb = 0, nd = 0;
	unsigned v = 0;
	if (!in)
		return -1;
	for (const char *p = in; *p; p++) {
		int c = tolower((unsigned char)*p);
		if (isxdigit(c)) {
			if (nb == 6)
				return -1;
			v = v * 16 + (unsigned)(isdigit(c) ? c - '0' : c - 'a' + 10);
			if (++nd == 2) {
				b[nb++] = (unsigned char)v;
				v = 0;
				nd = 0;
			}
		} else if (c == ':' || c == '-' || c == '.') {
			if (nd == 1) { /* "0:1:2:..." short octets */
				b[nb++] = (unsigned char)v;
				v = 0;
				nd = 0;
			}
		} else {
			return -1;
		}
	}
	if (nd == 1 && nb < 6) {
		b[nb++] = (unsigned char)v;
		nd = 0;
	}
	if (nb != 6 || nd)
		return -1;
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4],
	         b[5]);
	return 0;
}

enum mac_class ident_mac_class(const char *m)
{
	unsigned b[6];
	if (!m || sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4],
	                 &b[5]) != 6)
		return MAC_INVALID;
	if (!(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return MAC_ZERO;
	if (b[0] & 1)
		return MAC_MULTICAST;
	if (b[0] == 0 && b[1] == 0 && b[2] == 0x5e && b[3] == 0 &&
	    (b[4] == 1 || b[4] == 2))
		return MAC_VIRTUAL; /* VRRP (v4 and v6), also used by CARP */
	if (b[0] == 0 && b[1] == 0 && b[2] == 0x0c && b[3] == 0x07 && b[4] == 0xac)
		return MAC_VIRTUAL; /* HSRP v1 */
	if (b[0] & 2)
		return MAC_LOCAL;
	return MAC_UNIVERSAL;
}

static bool add(struct ident_set *s, const char *kind, const char *value, int strength,
                const char *reason)
{
	if (s->n == IDENT_MAX_KEYS || !value || !*value ||
	    strlen(value) >= sizeof s->key[0].value)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->key[i].kind, kind) && !strcmp(s->key[i].value, value))
			return false;
	struct ident_key *k = &s->key[s->n++];
	k->kind = kind;
	snprintf(k->value, sizeof k->value, "%s", value);
	k->strength = strength;
	k->reason = reason;
	return true;
}

bool ident_ip_ok(const char *ip)
{
	unsigned char a[16];
	if (!ip)
		return false;
	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] != 0 && a[0] != 127 && a[0] < 224;
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char zero[16];
		return memcmp(a, zero, 15) != 0 &&
		       a[0] != 0xff; /* not ::, ::1, ff00::/8 */
	}
	return false;
}

bool ident_add_ip(struct ident_set *s, const char *ip, const char *evidence)
{
	if (!ident_ip_ok(ip))
		return false;
	char norm[64];
	unsigned char a[16];
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, ip, a) != 1 || !inet_ntop(af, a, norm, sizeof norm))
		return false;
	(void)evidence;
	return add(s, "ip", norm, 10, "ip within network");
}

bool ident_add_mac(struct ident_set *s, const char *mac, const char *evidence)
{
	char m[18];
	if (!mac || !*mac || ident_mac_normalise(mac, m))
		return false;
	switch (ident_mac_class(m)) {
	case MAC_UNIVERSAL:
		return add(s, "mac", m, 60, "mac (universally administered)");
	case MAC_LOCAL:
		/* Unique on its link in practice (containers, VMs, veths); it
		 * joins hosts only when the device itself reports it. */
		return add(s, "mac", m, s->self ? 55 : 45, "mac (locally administered)");
	default: /* shared (VRRP/CARP/HSRP), group or zero: names no machine */
		(void)evidence;
		return false;
	}
}

bool ident_add_sysname(struct ident_set *s, const char *name, const char *evidence)
{
	char low[136];
	size_t n = 0;
	if (!name)
		return false;
	for (; name[n] && n < sizeof low - 1; n++)
		low[n] = (char)tolower((unsigned char)name[n]);
	low[n] = '\0';
	while (n && isspace((unsigned char)low[n - 1]))
		low[--n] = '\0';
	if (!n || !strcmp(low, "localhost") || !strncmp(low, "localhost.", 10))
		return false;
	(void)evidence;
	return add(s, "sysname", low, 40, "sysName (weak: names repeat)");
}

bool ident_add_strong(struct ident_set *s, const char *kind, const char *value,
                      const char *evidence)
{
	static const struct {
		const char *kind, *reason;
		int strength;
	} rules[] = {
	    {"snmp_engine", "SNMP engine id", 90},
	    {"snmp_chassis", "LLDP/SNMP chassis id", 90},
	    {"ssh_hostkey", "SSH host key fingerprint", 80},
	    {"tls_cert", "self-signed TLS certificate fingerprint", 70},
	};
	char low[136];
	size_t n = 0;
	if (!value)
		return false;
	for (; value[n] && n < sizeof low - 1; n++)
		low[n] = (char)tolower((unsigned char)value[n]);
	low[n] = '\0';
	if (!n || strspn(low, "0:") == n) /* all zero: unset engine/chassis */
		return false;
	(void)evidence;
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (!strcmp(kind, rules[i].kind))
			return add(s, rules[i].kind, low, rules[i].strength,
			           rules[i].reason);
	return false;
}

const struct ident_key *ident_find(const struct ident_set *s, const char *kind)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->key[i].kind, kind))
			return &s->key[i];
	return NULL;
}
