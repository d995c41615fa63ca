#include "sc_tls.h"

#include "sc_log.h"

#include <openssl/crypto.h>

void sc_tls_process_init(void)
{
	if (!OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL))
		sc_warn("OpenSSL did not initialise; TLS connections will fail");
}
