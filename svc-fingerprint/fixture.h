/* A definition's fixture as the observation batch a daemon would send. */
#ifndef FP_FIXTURE_H
#define FP_FIXTURE_H

#include "model.h"
#include "observation.pb-c.h"

#define FP_FIXTURE_IP "192.0.2.10"

/* Builds the batch in the arena; NULL when the definition has no fixture or
 * memory ran out. */
Scanopy__V1__ObservationBatch *fp_fixture_batch(const struct fp_def *d,
                                                struct fp_arena *a);
/* Where the definition is expected to match its fixture: expect.port, else
 * the first port with evidence; port 0 for host scope. */
struct fp_port fp_fixture_port(const struct fp_def *d);
const char *fp_fixture_ip(const struct fp_def *d);

#endif
