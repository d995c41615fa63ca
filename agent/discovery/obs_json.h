/* Any protobuf-c message as one line of JSON, by walking its descriptor:
 * used by scanopy-scan to print observations and by tests to read them.
 * Bytes fields become strings with each byte a code point (\u00XX escapes
 * outside printable ASCII), so nothing is lost. */
#ifndef DISC_OBS_JSON_H
#define DISC_OBS_JSON_H

#include <protobuf-c/protobuf-c.h>

#include <stdio.h>

void obs_json_print(FILE *f, const ProtobufCMessage *m);

#endif
