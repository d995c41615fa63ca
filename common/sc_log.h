/* Leveled logging to stderr, one line per event, safe from any thread.
 *
 * Convention used across the project: a function that fails logs the reason
 * where it is known and returns -1 (or NULL); callers only decide what to do
 * next. Secrets are never passed to the logger. */
#ifndef SC_LOG_H
#define SC_LOG_H

enum sc_log_level { SC_LOG_DEBUG, SC_LOG_INFO, SC_LOG_WARN, SC_LOG_ERROR };

/* Names the process in every line. */
void sc_log_init(const char *service);
/* Accepts "debug", "info", "warn", "error"; returns -1 for anything else. */
int sc_log_set_level(const char *name);
enum sc_log_level sc_log_get_level(void);

void sc_log(enum sc_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define sc_debug(...) sc_log(SC_LOG_DEBUG, __VA_ARGS__)
#define sc_info(...) sc_log(SC_LOG_INFO, __VA_ARGS__)
#define sc_warn(...) sc_log(SC_LOG_WARN, __VA_ARGS__)
#define sc_error(...) sc_log(SC_LOG_ERROR, __VA_ARGS__)

#endif
