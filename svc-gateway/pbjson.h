/* Any protobuf-c message as JSON, by walking its descriptor: field names as
 * in the .proto, enums by name, 64-bit integers as numbers, bytes as hex.
 * Only fields that are set appear. Used for the live events (event.proto),
 * so a new event kind needs no code here. */
#ifndef GATEWAY_PBJSON_H
#define GATEWAY_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

json_t *pbjson(const ProtobufCMessage *m);

#endif
