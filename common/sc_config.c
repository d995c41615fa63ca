#include "sc_config.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses `text` into the option's destination; `origin` names the layer. */
static int set_value(const struct sc_option *o, const char *text, const char *origin,
                     char *err, size_t errlen)
{
	switch (o->type) {
	case SC_OPT_STR: {
		char **dst = o->dst;
		char *copy = text ? strdup(text) : NULL;
		if (text && !copy) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*dst);
		*dst = copy;
		return 0;
	}
	case SC_OPT_INT: {
		char *end;
		errno = 0;
		long v = strtol(text, &end, 10);
		if (errno || end == text || *end != '\0') {
			snprintf(err, errlen, "%s: %s: '%s' is not a whole number",
			         origin, o->name, text);
			return -1;
		}
		if (o->min < o->max && (v < o->min || v > o->max)) {
			snprintf(err, errlen, "%s: %s: %ld is outside %ld..%ld", origin,
			         o->name, v, o->min, o->max);
			return -1;
		}
		*(long *)o->dst = v;
		return 0;
	}
	case SC_OPT_BOOL:
		if (!strcmp(text, "true") || !strcmp(text, "1") || !strcmp(text, "yes")) {
			*(bool *)o->dst = true;
		} else if (!strcmp(text, "false") || !strcmp(text, "0") ||
		           !strcmp(text, "no")) {
			*(bool *)o->dst = false;
		} else {
			snprintf(err, errlen, "%s: %s: '%s' is not true or false", origin,
			         o->name, text);
			return -1;
		}
		return 0;
	}
	return -1;
}

static const struct sc_option *find_option(const struct sc_option *opts, size_t nopts,
                                           const char *name, size_t len, int kebab)
{
	for (size_t i = 0; i < nopts; i++) {
		const char *n = opts[i].name;
		if (strlen(n) != len)
			continue;
		size_t j = 0;
		for (; j < len; j++) {
			char want = (kebab && n[j] == '_') ? '-' : n[j];
			if (name[j] != want)
				break;
		}
		if (j == len)
			return &opts[i];
	}
	return NULL;
}

static int load_file(const struct sc_option *opts, size_t nopts, const char *path,
                     char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root) {
		snprintf(err, errlen, "%s:%d: %s", path, jerr.line, jerr.text);
		return -1;
	}
	int rc = 0;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: top level must be a JSON object", path);
		rc = -1;
	}
	const char *key;
	json_t *val;
	json_object_foreach(root, key, val)
	{
		if (rc)
			break;
		const struct sc_option *o = find_option(opts, nopts, key, strlen(key), 0);
		char num[32], origin[512];
		const char *text = NULL;
		snprintf(origin, sizeof origin, "%s", path);
		if (!o) {
			snprintf(err, errlen, "%s: unknown setting '%s'", path, key);
			rc = -1;
		} else if (json_is_string(val)) {
			text = json_string_value(val);
		} else if (json_is_integer(val)) {
			snprintf(num, sizeof num, "%lld",
			         (long long)json_integer_value(val));
			text = num;
		} else if (json_is_boolean(val)) {
			text = json_is_true(val) ? "true" : "false";
		} else if (!json_is_null(val)) {
			snprintf(err, errlen,
			         "%s: %s: expected a string, number or boolean", path,
			         key);
			rc = -1;
		}
		if (!rc && text)
			rc = set_value(o, text, origin, err, errlen);
	}
	json_decref(root);
	return rc;
}

static int load_env(const struct sc_option *opts, size_t nopts, char *err, size_t errlen)
{
	for (size_t i = 0; i < nopts; i++) {
		char var[128] = "SCANOPY_";
		size_t k = strlen(var);
		for (const char *p = opts[i].name; *p && k < sizeof var - 1; p++)
			var[k++] = (char)toupper((unsigned char)*p);
		var[k] = '\0';
		const char *v = getenv(var);
		if (v && set_value(&opts[i], v, var, err, errlen))
			return -1;
	}
	return 0;
}

/* Finds --config in argv without consuming anything. */
static const char *flag_config_path(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			return argv[i + 1];
		if (!strncmp(argv[i], "--config=", 9))
			return argv[i] + 9;
	}
	return NULL;
}

static int load_flags(const struct sc_option *opts, size_t nopts, int argc, char **argv,
                      int *npositional, char *err, size_t errlen)
{
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (strncmp(a, "--", 2) != 0 || !strcmp(a, "--")) {
			if (!strcmp(a, "--"))
				continue;
			argv[1 + npos++] = a;
			continue;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *value = eq ? eq + 1 : NULL;
		if (len == 6 && !strncmp(name, "config", 6)) {
			if (!value)
				i++; /* the path was read before the file layer */
			continue;
		}
		const struct sc_option *o = find_option(opts, nopts, name, len, 1);
		if (!o) {
			snprintf(err, errlen, "unknown option --%.*s (see --help)",
			         (int)len, name);
			return -1;
		}
		if (!value && o->type == SC_OPT_BOOL) {
			value = "true";
		} else if (!value) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--%.*s needs a value", (int)len,
				         name);
				return -1;
			}
			value = argv[++i];
		}
		char origin[160];
		snprintf(origin, sizeof origin, "--%.*s", (int)len, name);
		if (set_value(o, value, origin, err, errlen))
			return -1;
	}
	*npositional = npos;
	return 0;
}

int sc_config_load(const struct sc_option *opts, size_t nopts, const char *const *files,
                   int argc, char **argv, int *npositional, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sc_config_usage(argv[0], opts, nopts);
			return 1;
		}
	}
	sc_config_free(opts, nopts); /* a reload starts from the defaults */
	for (size_t i = 0; i < nopts; i++) {
		if (opts[i].def &&
		    set_value(&opts[i], opts[i].def, "default", err, errlen))
			return -1;
	}

	const char *path = flag_config_path(argc, argv);
	if (!path)
		path = getenv("SCANOPY_CONFIG");
	if (path) {
		if (load_file(opts, nopts, path, err, errlen))
			return -1;
	} else {
		for (size_t i = 0; files && files[i]; i++) {
			if (access(files[i], R_OK) == 0) {
				if (load_file(opts, nopts, files[i], err, errlen))
					return -1;
				break;
			}
		}
	}
	if (load_env(opts, nopts, err, errlen))
		return -1;
	return load_flags(opts, nopts, argc, argv, npositional, err, errlen);
}

void sc_config_free(const struct sc_option *opts, size_t nopts)
{
	for (size_t i = 0; i < nopts; i++) {
		if (opts[i].type == SC_OPT_STR) {
			free(*(char **)opts[i].dst);
			*(char **)opts[i].dst = NULL;
		}
	}
}

void sc_config_usage(const char *prog, const struct sc_option *opts, size_t nopts)
{
	printf("usage: %s [options]\n\n"
	       "Each option is also read from SCANOPY_<NAME> and from the JSON\n"
	       "config file (--config PATH or SCANOPY_CONFIG) as \"<name>\".\n\n",
	       prog);
	for (size_t i = 0; i < nopts; i++) {
		char flag[96];
		size_t k = 0;
		for (const char *p = opts[i].name; *p && k < sizeof flag - 1; p++)
			flag[k++] = *p == '_' ? '-' : *p;
		flag[k] = '\0';
		printf("  --%-28s %s%s%s%s\n", flag, opts[i].help,
		       opts[i].def ? " (default: " : "", opts[i].def ? opts[i].def : "",
		       opts[i].def ? ")" : "");
	}
}
