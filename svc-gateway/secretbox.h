/* Secrets at rest (SNMP communities and keys): AES-256-GCM with a 256-bit
 * key from the gateway's secret file (secret_key_file), generated on first
 * start (mode 600) when absent. A sealed value is
 *   version (1) | nonce (12) | ciphertext | tag (16)
 * and binds additional data (the network it belongs to), so a value copied
 * to another network's row does not open. */
#ifndef GW_SECRETBOX_H
#define GW_SECRETBOX_H

#include <stddef.h>
#include <stdint.h>

#define SECRETBOX_KEY 32
#define SECRETBOX_OVERHEAD (1 + 12 + 16)

/* Reads the key, or creates the file with a fresh one (mode 600). Refuses
 * a file of the wrong size or readable by group or others. 0 or -1 (why). */
int secretbox_load_key(const char *path, uint8_t key[SECRETBOX_KEY], char *why,
                       size_t whylen);

/* out must hold plen + SECRETBOX_OVERHEAD bytes. 0 or -1. */
int secretbox_seal(const uint8_t key[SECRETBOX_KEY], const char *aad,
                   const uint8_t *plain, size_t plen, uint8_t *out, size_t *outlen);
/* out must hold clen bytes; -1 when the value was altered, sealed with
 * another key or for other additional data. */
int secretbox_open(const uint8_t key[SECRETBOX_KEY], const char *aad,
                   const uint8_t *sealed, size_t clen, uint8_t *out, size_t *outlen);

/* Opens hex (as encode(sealed, 'hex') gives it) into out as NUL-terminated
 * text; -1 when it does not open or does not fit in cap. */
int secretbox_open_hex(const uint8_t key[SECRETBOX_KEY], const char *aad, const char *hex,
                       char *out, size_t cap);

#endif
