/* Layered configuration: defaults, then a JSON file, then SCANOPY_* environment
 * variables, then command-line flags; each layer overrides the one before.
 *
 * One table describes an option once; its name gives all of its spellings:
 * "nats_url" is the file key "nats_url", the variable SCANOPY_NATS_URL and the
 * flag --nats-url (or --nats-url=VALUE). */
#ifndef SC_CONFIG_H
#define SC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum sc_opt_type { SC_OPT_STR, SC_OPT_INT, SC_OPT_BOOL };

struct sc_option {
	const char *name;
	enum sc_opt_type type;
	const char *def; /* default as text; NULL leaves a string NULL */
	const char *help;
	void *dst;     /* char ** for STR (malloc'd), long * for INT, bool * for BOOL */
	long min, max; /* inclusive range for INT when min < max */
};

/* Loads every layer into the options' destinations. String destinations must
 * start NULL (or hold strings from an earlier load, which are freed). `files` lists
 * default config paths tried in order (first that exists wins, may be NULL); --config or
 * SCANOPY_CONFIG names one explicitly, which must then exist. Arguments that are not
 * flags are moved to the front of argv and counted in *npositional. On error returns -1
 * with a message naming the bad layer and value in err. Returns 1 when --help was asked
 * for (usage already printed). */
int sc_config_load(const struct sc_option *opts, size_t nopts, const char *const *files,
                   int argc, char **argv, int *npositional, char *err, size_t errlen);

/* Frees the strings sc_config_load allocated. */
void sc_config_free(const struct sc_option *opts, size_t nopts);

void sc_config_usage(const char *prog, const struct sc_option *opts, size_t nopts);

#endif
