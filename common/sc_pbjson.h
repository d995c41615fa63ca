/* Protobuf-c messages and JSON, both ways, by walking the message
 * descriptor, so no message needs code of its own: the gateway's live events
 * (event.proto) go out as JSON, and test tools build observation batches from
 * JSON. Field names are the .proto names; enums are written by name and read
 * by name or number; bytes are a JSON string (written as hex when they are not
 * UTF-8). Only fields that are set are written. */
#ifndef SC_PBJSON_H
#define SC_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

json_t *sc_pbjson_from(const ProtobufCMessage *m);

/* A new message (free with protobuf_c_message_free_unpacked(m, NULL)), or NULL
 * with the reason in err. */
ProtobufCMessage *sc_pbjson_parse(const ProtobufCMessageDescriptor *d, json_t *obj,
                                  char *err, size_t errlen);

#endif
