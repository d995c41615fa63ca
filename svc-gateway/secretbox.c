#include "secretbox.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The key as made here (32 raw bytes), or as 64 hex digits and an optional
 * newline (easy to put in a Kubernetes Secret or a password manager). */
static int read_key(int fd, uint8_t key[SECRETBOX_KEY])
{
	char buf[2 * SECRETBOX_KEY + 2];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n == SECRETBOX_KEY) {
		memcpy(key, buf, SECRETBOX_KEY);
		return 0;
	}
	if (n == 2 * SECRETBOX_KEY + 1 && buf[n - 1] == '\n')
		n--;
	if (n != 2 * SECRETBOX_KEY)
		return -1;
	for (int i = 0; i < SECRETBOX_KEY; i++) {
		unsigned v;
		if (sscanf(buf + 2 * i, "%2x", &v) != 1 ||
		    !isxdigit((unsigned char)buf[2 * i]) ||
		    !isxdigit((unsigned char)buf[2 * i + 1]))
			return -1;
		key[i] = (uint8_t)v;
	}
	return 0;
}

int secretbox_load_key(const char *path, uint8_t key[SECRETBOX_KEY], char *why,
                       size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (RAND_bytes(key, SECRETBOX_KEY) != 1) {
			snprintf(why, whylen, "no randomness for a new secret key");
			return -1;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST) {
			/* another gateway made it at the same moment: read theirs */
			usleep(200 * 1000);
			return secretbox_load_key(path, key, why, whylen);
		}
		if (fd < 0) {
			snprintf(why, whylen, "cannot create the secret key file %s: %s",
			         path, strerror(errno));
			return -1;
		}
		ssize_t w = write(fd, key, SECRETBOX_KEY);
		int rc = w == SECRETBOX_KEY && fsync(fd) == 0 ? 0 : -1;
		close(fd);
		if (rc) {
			unlink(path);
			snprintf(why, whylen, "cannot write the secret key file %s",
			         path);
		}
		return rc;
	}
	if (fd < 0) {
		snprintf(why, whylen, "cannot open the secret key file %s: %s", path,
		         strerror(errno));
		return -1;
	}
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st))
		snprintf(why, whylen, "cannot stat %s", path);
	else if (st.st_mode & 037)
		/* Group read is allowed: a Kubernetes Secret volume is shared with
		 * the pod's fsGroup that way (mode 0440). */
		snprintf(why, whylen,
		         "the secret key file %s is readable by others: chmod 600 it",
		         path);
	else if (read_key(fd, key))
		snprintf(
		    why, whylen,
		    "the secret key file %s holds neither %d bytes nor %d hex digits",
		    path, SECRETBOX_KEY, 2 * SECRETBOX_KEY);
	else
		rc = 0;
	close(fd);
	return rc;
}

static int gcm(bool enc, const uint8_t *key, const uint8_t *nonce, const char *aad,
               const uint8_t *in, size_t inlen, uint8_t *out, uint8_t *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len, ok = c != NULL;
	ok = ok && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1;
	ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1;
	ok = ok && EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) == 1;
	ok = ok &&
	     EVP_CipherUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1;
	ok = ok && EVP_CipherUpdate(c, out, &len, in, (int)inlen) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(c, out + len, &len) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

int secretbox_seal(const uint8_t key[SECRETBOX_KEY], const char *aad,
                   const uint8_t *plain, size_t plen, uint8_t *out, size_t *outlen)
{
	out[0] = 1;
	if (plen > 1u << 20 || RAND_bytes(out + 1, 12) != 1 ||
	    gcm(true, key, out + 1, aad, plain, plen, out + 13, out + 13 + plen))
		return -1;
	*outlen = plen + SECRETBOX_OVERHEAD;
	return 0;
}

int secretbox_open(const uint8_t key[SECRETBOX_KEY], const char *aad,
                   const uint8_t *sealed, size_t clen, uint8_t *out, size_t *outlen)
{
	if (clen < SECRETBOX_OVERHEAD || sealed[0] != 1)
		return -1;
	size_t plen = clen - SECRETBOX_OVERHEAD;
	uint8_t tag[16];
	memcpy(tag, sealed + 13 + plen, 16);
	if (gcm(false, key, sealed + 1, aad, sealed + 13, plen, out, tag)) {
		memset(out, 0, plen);
		return -1;
	}
	*outlen = plen;
	return 0;
}

int secretbox_open_hex(const uint8_t key[SECRETBOX_KEY], const char *aad, const char *hex,
                       char *out, size_t cap)
{
	size_t slen = strlen(hex) / 2, plen = 0;
	uint8_t *sealed = malloc(slen + 1), *plain = malloc(slen + 1);
	int rc = -1;
	if (sealed && plain &&
	    OPENSSL_hexstr2buf_ex(sealed, slen, &slen, hex, '\0') == 1 &&
	    secretbox_open(key, aad, sealed, slen, plain, &plen) == 0 && plen < cap) {
		memcpy(out, plain, plen);
		out[plen] = '\0';
		rc = 0;
	}
	if (plain)
		OPENSSL_cleanse(plain, slen + 1);
	free(plain);
	free(sealed);
	return rc;
}
