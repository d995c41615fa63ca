#include "set.h"

#include "fp.h"
#include "pattern.h"
#include "prefilter.h"
#include "sc_log.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hash in progress lives beside the set until fp_set_hash_done. */
struct set_priv {
	struct fp_set s;
	EVP_MD_CTX *md;
};

struct fp_set *fp_set_new(const struct fp_oui *oui)
{
	struct set_priv *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->md = EVP_MD_CTX_new();
	if (!p->md || !EVP_DigestInit_ex(p->md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(p->md);
		free(p);
		return NULL;
	}
	static atomic_uint_fast64_t generation;
	atomic_init(&p->s.refs, 1);
	p->s.gen = atomic_fetch_add(&generation, 1) + 1;
	p->s.oui = oui;
	/* The fixed fields come first; header fields are appended on use. */
	p->s.fields = calloc(FK_HTTP_HEADER, sizeof *p->s.fields);
	if (!p->s.fields) {
		EVP_MD_CTX_free(p->md);
		free(p);
		return NULL;
	}
	for (int i = 0; i < FK_HTTP_HEADER; i++)
		p->s.fields[i].kind = (enum fp_field_kind)i;
	p->s.nfields = FK_HTTP_HEADER;
	snprintf(p->s.version, sizeof p->s.version, "none");
	return &p->s;
}

void fp_set_hash_file(struct fp_set *s, const char *name, const char *text, size_t len)
{
	struct set_priv *p = (struct set_priv *)s;
	if (!p->md)
		return;
	/* Name and content, each ended by a NUL: renaming a file or moving
	 * bytes between files changes the version. */
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	EVP_DigestUpdate(p->md, base, strlen(base) + 1);
	EVP_DigestUpdate(p->md, text, len);
	EVP_DigestUpdate(p->md, "", 1);
}

void fp_set_hash_done(struct fp_set *s)
{
	struct set_priv *p = (struct set_priv *)s;
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!p->md || !EVP_DigestFinal_ex(p->md, d, &n) || n < 8)
		return;
	char *v = s->version;
	int w = snprintf(v, sizeof s->version, "sha256:");
	for (unsigned i = 0; i < 8; i++)
		w += snprintf(v + w, sizeof s->version - (size_t)w, "%02x", d[i]);
	EVP_MD_CTX_free(p->md);
	p->md = NULL;
}

void fp_set_ref(struct fp_set *s)
{
	atomic_fetch_add(&s->refs, 1);
}

void fp_set_unref(struct fp_set *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	struct set_priv *p = (struct set_priv *)s;
	for (size_t i = 0; i < s->npatterns; i++)
		fp_pattern_free(s->patterns[i]);
	free(s->patterns);
	for (size_t i = 0; i < s->nfields; i++) {
		fp_prefilter_free(s->fields[i].pf);
		free(s->fields[i].patterns);
	}
	free(s->fields);
	if (s->pattern_anchors)
		for (size_t i = 0; i < s->npatterns; i++)
			free(s->pattern_anchors[i]);
	free(s->pattern_anchors);
	free(s->pattern_nanchors);
	free(s->port_anchors);
	free(s->any_open);
	free(s->always_host);
	fp_arena_free(&s->arena);
	EVP_MD_CTX_free(p->md);
	free(p);
}

const char *fp_set_version(const struct fp_set *s)
{
	return s->version;
}

size_t fp_set_size(const struct fp_set *s)
{
	return s->ndefs;
}

const struct fp_def *fp_set_find(const struct fp_set *s, const char *id)
{
	for (size_t i = 0; i < s->ndefs; i++)
		if (!strcmp(s->defs[i].id, id))
			return &s->defs[i];
	return NULL;
}

const struct fp_probe *fp_set_probe(const struct fp_set *s, const char *id, uint8_t proto)
{
	for (size_t i = 0; i < s->nprobes; i++)
		if (!strcmp(s->probes[i].id, id) &&
		    (!proto || s->probes[i].proto == proto))
			return &s->probes[i];
	return NULL;
}
