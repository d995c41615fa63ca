/* libFuzzer target: a TLS server's certificate (DER) through the field
 * extraction the daemon reports (names, SANs, validity, fingerprint). */
#include "tls_cert.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_cert *c = malloc(sizeof *c);
	if (c)
		tls_cert_from_der(data, size, c);
	free(c);
	return 0;
}
