/* A ServerPoll daemon's call key at rest: sealed with secretbox.h under the
 * gateway's secret key and bound to the daemon's id (so a value copied to
 * another daemon's row does not open), as hex for a bytea parameter
 * (decode($n, 'hex')). The gateway seals it when it makes the key; the
 * scheduler, which reads the same key file, opens it to call the daemon. */
#ifndef GW_CALL_KEY_H
#define GW_CALL_KEY_H

#include "secretbox.h"

#include <stddef.h>

/* The sealed key as hex (caller frees), or NULL. */
char *call_key_seal_hex(const uint8_t key[SECRETBOX_KEY], const char *daemon_id,
                        const char *call_key);
/* Opens hex (as encode(call_key_sealed, 'hex') gives it) into out (NUL
 * terminated); -1 when it does not open or does not fit. */
int call_key_open_hex(const uint8_t key[SECRETBOX_KEY], const char *daemon_id,
                      const char *hex, char *out, size_t cap);

#endif
