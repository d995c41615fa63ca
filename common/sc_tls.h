/* Process-wide TLS settings, applied once at the start of main, before any
 * library (libpq, nats.c, libcurl) initialises OpenSSL. */
#ifndef SC_TLS_H
#define SC_TLS_H

/* Tells OpenSSL not to clean itself up at exit. nats.c 3.4 frees OpenSSL's
 * compression methods in nats_Close() without forgetting them
 * (nats-io/nats.c#904), so after a TLS connection to NATS, OpenSSL's own
 * atexit cleanup frees them again and the process crashes on its way out.
 * What OpenSSL holds at exit stays reachable, and the OS takes it back. */
void sc_tls_process_init(void);

#endif
