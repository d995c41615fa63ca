/* What the daemon keeps on disk between runs, in its state directory: its id
 * and its batch sequence number (so a restart never reuses a sequence and the
 * server's idempotence holds across restarts and upgrades). */
#ifndef AGENT_STATE_H
#define AGENT_STATE_H

#include <stdint.h>

struct agent_state {
	char dir[512];
	char daemon_id[40];
	uint64_t sequence; /* last sequence handed out */
};

/* Creates the directory if needed and loads (or creates) the id and sequence.
 * A configured id, when given, wins over the stored one. */
int state_open(struct agent_state *st, const char *dir, const char *configured_id);
/* Hands out the next sequence number, persisted before it is returned. */
int state_next_sequence(struct agent_state *st, uint64_t *seq);

#endif
