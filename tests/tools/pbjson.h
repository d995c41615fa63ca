/* JSON -> protobuf-c message by reflection over the message descriptor, for
 * test tools: {"host": {"ip": "10.0.0.1", "evidence": "EVIDENCE_ARP"}} fills an
 * Observation. Field names are the .proto names; enums take their name or
 * number; bytes take a string. */
#ifndef TOOLS_PBJSON_H
#define TOOLS_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/* A new message (free with protobuf_c_message_free_unpacked(m, NULL)), or NULL
 * with the reason in err. */
ProtobufCMessage *pbjson_parse(const ProtobufCMessageDescriptor *d, json_t *obj,
                               char *err, size_t errlen);

#endif
