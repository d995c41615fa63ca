/* The daemon's view of its server: see link.h. */
#include "link.h"

#include <stdio.h>
#include <string.h>

void link_init(struct link *l)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
}

void link_destroy(struct link *l)
{
	pthread_mutex_destroy(&l->mu);
}

void link_ok(struct link *l, int64_t now_ms)
{
	pthread_mutex_lock(&l->mu);
	l->last_ok_ms = now_ms;
	l->down_since_ms = 0;
	pthread_mutex_unlock(&l->mu);
}

static void set_error(struct link *l, int64_t now_ms, const char *why)
{
	l->last_error_ms = now_ms;
	snprintf(l->last_error, sizeof l->last_error, "%s", why ? why : "unknown error");
}

void link_fail(struct link *l, int64_t now_ms, const char *why)
{
	pthread_mutex_lock(&l->mu);
	set_error(l, now_ms, why);
	if (!l->down_since_ms)
		l->down_since_ms = now_ms;
	pthread_mutex_unlock(&l->mu);
}

void link_refused(struct link *l, int64_t now_ms, const char *why)
{
	pthread_mutex_lock(&l->mu);
	set_error(l, now_ms, why);
	l->last_ok_ms = now_ms;
	l->down_since_ms = 0;
	pthread_mutex_unlock(&l->mu);
}

static const char *state_locked(const struct link *l)
{
	if (!l->last_ok_ms)
		return "never_connected";
	return l->down_since_ms ? "unreachable" : "connected";
}

const char *link_state(struct link *l)
{
	pthread_mutex_lock(&l->mu);
	const char *s = state_locked(l);
	pthread_mutex_unlock(&l->mu);
	return s;
}

/* s as a JSON string body: quotes, backslashes and controls escaped. */
static void json_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;
	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

void link_json(struct link *l, char *out, size_t len)
{
	char err[2 * sizeof l->last_error];
	pthread_mutex_lock(&l->mu);
	json_escape(l->last_error, err, sizeof err);
	snprintf(out, len,
	         "\"server\":\"%s\",\"last_contact_ms\":%lld,"
	         "\"unreachable_since_ms\":%lld,\"last_error\":\"%s\","
	         "\"last_error_ms\":%lld",
	         state_locked(l), (long long)l->last_ok_ms, (long long)l->down_since_ms,
	         err, (long long)l->last_error_ms);
	pthread_mutex_unlock(&l->mu);
}
