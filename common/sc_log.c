#include "sc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_service = "scanopy";
static enum sc_log_level log_level = SC_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void sc_log_init(const char *service)
{
	log_service = service;
}

int sc_log_set_level(const char *name)
{
	for (int i = 0; i <= SC_LOG_ERROR; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			log_level = (enum sc_log_level)i;
			return 0;
		}
	}
	return -1;
}

enum sc_log_level sc_log_get_level(void)
{
	return log_level;
}

void sc_log(enum sc_log_level level, const char *fmt, ...)
{
	if (level < log_level)
		return;

	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);

	/* Format into one buffer so concurrent lines never interleave. */
	char line[2048];
	int n = snprintf(line, sizeof line, "%s.%03ldZ %-5s %s: ", stamp,
	                 ts.tv_nsec / 1000000, level_names[level], log_service);
	va_list ap;
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof line)
		n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	fwrite(line, 1, (size_t)n, stderr);
}
