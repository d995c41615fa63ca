/* libFuzzer target: SNMP responses and reports (v1, v2c, v3) through the BER
 * reader. */
#include "snmp_message.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snmp_msg *m = malloc(sizeof *m);
	char oid[128];
	if (!m)
		return 0;
	snmp_msg_parse(data, size, m);
	ber_oid_decode(data, size, oid, sizeof oid);
	free(m);
	return 0;
}
