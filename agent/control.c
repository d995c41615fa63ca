#include "control.h"

#include "sc_log.h"

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct control {
	nng_socket sock;
	pthread_t thread;
	control_fn fn;
	void *ctx;
};

static void *control_loop(void *arg)
{
	struct control *c = arg;
	for (;;) {
		char *msg = NULL;
		size_t len = 0;
		int rv = nng_recv(c->sock, &msg, &len, NNG_FLAG_ALLOC);
		if (rv == NNG_ECLOSED)
			break;
		if (rv)
			continue;
		char cmd[32], reply[4096];
		size_t n = len < sizeof cmd - 1 ? len : sizeof cmd - 1;
		memcpy(cmd, msg, n);
		cmd[n] = '\0';
		nng_free(msg, len);
		reply[0] = '\0';
		c->fn(c->ctx, cmd, reply, sizeof reply);
		nng_send(c->sock, reply, strlen(reply) + 1, 0);
	}
	return NULL;
}

struct control *control_serve(const char *url, control_fn fn, void *ctx)
{
	struct control *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fn = fn;
	c->ctx = ctx;
	int rv = nng_rep0_open(&c->sock);
	if (rv == 0)
		rv = nng_listen(c->sock, url, NULL, 0);
	if (rv) {
		sc_error("control socket %s: %s", url, nng_strerror(rv));
		if (rv != NNG_ENOMEM)
			nng_close(c->sock);
		free(c);
		return NULL;
	}
	if (pthread_create(&c->thread, NULL, control_loop, c)) {
		nng_close(c->sock);
		free(c);
		return NULL;
	}
	sc_info("control socket on %s", url);
	return c;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	nng_close(c->sock);
	pthread_join(c->thread, NULL);
	free(c);
}

int control_call(const char *url, const char *cmd, int timeout_ms)
{
	nng_socket s;
	int rv = nng_req0_open(&s);
	if (rv == 0)
		rv = nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, timeout_ms);
	if (rv == 0)
		rv = nng_dial(s, url, NULL, 0);
	if (rv == 0)
		rv = nng_send(s, (void *)cmd, strlen(cmd), 0);
	char *reply = NULL;
	size_t len = 0;
	if (rv == 0)
		rv = nng_recv(s, &reply, &len, NNG_FLAG_ALLOC);
	if (rv == 0) {
		printf("%.*s\n", (int)strnlen(reply, len), reply);
		nng_free(reply, len);
	} else {
		fprintf(stderr, "scanopy-daemon: no daemon answered on %s: %s\n", url,
		        nng_strerror(rv));
	}
	nng_close(s);
	return rv ? -1 : 0;
}
