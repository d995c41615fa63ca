#include "state.h"

#include "sc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Writes through a temporary file and rename, so a crash leaves old or new. */
static int write_small(const char *dir, const char *name, const char *text)
{
	char tmp[600], path[600];
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	close(fd);
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int new_uuid(char *out, size_t len)
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return -1;
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, len,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
	         b[12], b[13], b[14], b[15]);
	return 0;
}

int state_open(struct agent_state *st, const char *dir, const char *configured_id)
{
	memset(st, 0, sizeof *st);
	snprintf(st->dir, sizeof st->dir, "%s", dir);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		sc_error("state directory %s: %s", dir, strerror(errno));
		return -1;
	}
	char path[600], text[64];
	snprintf(path, sizeof path, "%s/daemon-id", dir);
	if (configured_id && *configured_id) {
		snprintf(st->daemon_id, sizeof st->daemon_id, "%s", configured_id);
	} else if (read_small(path, st->daemon_id, sizeof st->daemon_id) ||
	           !st->daemon_id[0]) {
		if (new_uuid(st->daemon_id, sizeof st->daemon_id) ||
		    write_small(dir, "daemon-id", st->daemon_id)) {
			sc_error("cannot store the daemon id in %s", dir);
			return -1;
		}
	}
	snprintf(path, sizeof path, "%s/sequence", dir);
	if (read_small(path, text, sizeof text) == 0)
		st->sequence = strtoull(text, NULL, 10);
	return 0;
}

int state_next_sequence(struct agent_state *st, uint64_t *seq)
{
	char text[32];
	snprintf(text, sizeof text, "%" PRIu64 "\n", st->sequence + 1);
	if (write_small(st->dir, "sequence", text)) {
		sc_error("cannot persist the batch sequence in %s", st->dir);
		return -1;
	}
	*seq = ++st->sequence;
	return 0;
}
