/* The operations endpoints every process serves: GET /healthz (200 when the
 * process's own check passes, 503 with the reason otherwise) and GET /metrics
 * (Prometheus text). The gateway routes these through sc_ops_handle from its
 * own server; the other services run sc_ops_start on their ops port. */
#ifndef SC_OPS_H
#define SC_OPS_H

#include <microhttpd.h>
#include <stddef.h>

/* Fills `why` and returns -1 when the process is not healthy. */
typedef int (*sc_health_fn)(void *ctx, char *why, size_t whylen);

struct sc_ops;

/* Answers /healthz and /metrics; returns MHD_NO in *handled=0 for other URLs. */
enum MHD_Result sc_ops_handle(struct MHD_Connection *conn, const char *url,
                              sc_health_fn health, void *ctx, int *handled);

/* Queues a complete response with a content type; frees nothing of body. */
enum MHD_Result sc_http_respond(struct MHD_Connection *conn, unsigned status,
                                const char *content_type, const char *body, size_t len);

/* An IPv4 listen address from text; -1 (logged) when it is not one. */
struct sockaddr_in;
int sc_listen_addr(const char *ip, long port, struct sockaddr_in *sa);

struct sc_ops *sc_ops_start(const char *bind_ip, long port, sc_health_fn health,
                            void *ctx);
void sc_ops_stop(struct sc_ops *ops);

#endif
