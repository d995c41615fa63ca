#include "call_key.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void aad_of(const char *daemon_id, char *aad, size_t len)
{
	snprintf(aad, len, "call-key:%s", daemon_id);
}

char *call_key_seal_hex(const uint8_t key[SECRETBOX_KEY], const char *daemon_id,
                        const char *call_key)
{
	char aad[64];
	aad_of(daemon_id, aad, sizeof aad);
	size_t plen = strlen(call_key), slen = 0;
	uint8_t *sealed = malloc(plen + SECRETBOX_OVERHEAD);
	char *hex = NULL;
	if (sealed &&
	    secretbox_seal(key, aad, (const uint8_t *)call_key, plen, sealed, &slen) == 0)
		hex = malloc(2 * slen + 1);
	if (hex &&
	    OPENSSL_buf2hexstr_ex(hex, 2 * slen + 1, NULL, sealed, slen, '\0') != 1) {
		free(hex);
		hex = NULL;
	}
	free(sealed);
	return hex;
}

int call_key_open_hex(const uint8_t key[SECRETBOX_KEY], const char *daemon_id,
                      const char *hex, char *out, size_t cap)
{
	char aad[64];
	aad_of(daemon_id, aad, sizeof aad);
	return secretbox_open_hex(key, aad, hex, out, cap);
}
