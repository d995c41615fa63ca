/* libFuzzer target: bytes from the bus through the batch decoders, the first
 * code that touches what a daemon (or an attacker holding a key) sends. */
#include "sc_batch.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[192];
	Scanopy__V1__ObservationBatch *b = sc_batch_decode(data, size, why, sizeof why);
	if (b) {
		char id[96];
		sc_batch_id(b->header, id, sizeof id);
		scanopy__v1__observation_batch__free_unpacked(b, NULL);
	}
	Scanopy__V1__ClassifiedBatch *c =
	    sc_classified_decode(data, size, why, sizeof why);
	if (c)
		scanopy__v1__classified_batch__free_unpacked(c, NULL);
	return 0;
}
