/* Who is asking: API keys and session cookies resolved to a principal, and the
 * secrets behind them (random keys stored as SHA-256, passwords as argon2id). */
#ifndef GATEWAY_AUTH_H
#define GATEWAY_AUTH_H

#include "request.h"

#include <libpq-fe.h>

#define AUTH_HASH_HEX 65 /* SHA-256 as hex, NUL included */

/* Fills r->who from "Authorization: Bearer <key>" or the session cookie.
 * An absent or unknown credential leaves WHO_NONE; -1 only on a database error. */
int auth_resolve(PGconn *c, struct request *r);

/* A new random secret "<prefix><43 url-safe chars>" (256 bits). */
int auth_new_secret(const char *prefix, char *out, size_t len);
/* Hex SHA-256 of a secret, as stored. */
void auth_hash(const char *secret, char out[AUTH_HASH_HEX]);

int auth_password_hash(const char *password, char *out, size_t len);
bool auth_password_ok(const char *encoded, const char *password);

/* "owner" etc. to a role; 0 for anything else. */
enum role auth_role(const char *name);
const char *auth_role_name(enum role role);

#endif
