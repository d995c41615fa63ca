/* A sink that stays in the process: prints each observation as a JSON line
 * and/or keeps it for inspection. It implements sink.h's functions, so it
 * replaces the daemon's sink (outbox, batches) in scanopy-scan and in tests;
 * link one or the other, never both. */
#ifndef DISC_LOCALSINK_H
#define DISC_LOCALSINK_H

#include "sink.h"

#include <stdbool.h>
#include <stdio.h>

/* print_to NULL: no printing; record: keep every observation. */
struct sink *localsink_open(FILE *print_to, bool record);
size_t localsink_count(struct sink *s);
/* The i-th recorded observation, unpacked; free it with
 * scanopy__v1__observation__free_unpacked(o, NULL). */
Scanopy__V1__Observation *localsink_get(struct sink *s, size_t i);

#endif
