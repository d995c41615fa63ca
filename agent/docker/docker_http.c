#include "docker_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BODY (32u << 20)

int docker_api_init(struct docker_api *a, const char *url, const char *cert,
                    const char *key, const char *chain, char *why, size_t whylen)
{
	memset(a, 0, sizeof *a);
	if (!url || !*url)
		url = "unix:///var/run/docker.sock";
	if (!strncmp(url, "unix://", 7)) {
		snprintf(a->socket_path, sizeof a->socket_path, "%s", url + 7);
		snprintf(a->base, sizeof a->base, "http://localhost");
		return 0;
	}
	const char *rest;
	bool tls = false;
	if (!strncmp(url, "tcp://", 6))
		rest = url + 6;
	else if (!strncmp(url, "http://", 7))
		rest = url + 7;
	else if (!strncmp(url, "https://", 8)) {
		rest = url + 8;
		tls = true;
	} else {
		snprintf(
		    why, whylen,
		    "Docker proxy URL '%s' is not unix://, tcp://, http:// or https://",
		    url);
		return -1;
	}
	size_t hl = strcspn(rest, "/");
	snprintf(a->base, sizeof a->base, "%s://%.*s", tls ? "https" : "http", (int)hl,
	         rest);
	/* host part without the port, brackets kept off */
	const char *h = rest;
	size_t n = hl;
	if (*h == '[') {
		const char *e = memchr(h, ']', hl);
		n = e ? (size_t)(e - h - 1) : 0;
		h++;
	} else {
		const char *c = memchr(h, ':', hl);
		if (c)
			n = (size_t)(c - h);
	}
	snprintf(a->host_ip, sizeof a->host_ip, "%.*s", (int)n, h);
	if (tls) {
		a->ssl_cert = cert && *cert ? cert : NULL;
		a->ssl_key = key && *key ? key : NULL;
		a->ssl_chain = chain && *chain ? chain : NULL;
		if ((a->ssl_cert == NULL) != (a->ssl_key == NULL)) {
			snprintf(why, whylen,
			         "an HTTPS Docker proxy needs both "
			         "--docker-proxy-ssl-cert and "
			         "--docker-proxy-ssl-key (or neither)");
			return -1;
		}
	}
	return 0;
}

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	if (b->len + n > MAX_BODY) {
		b->overflow = true;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 8192;
		while (cap < b->len + n + 1)
			cap *= 2;
		uint8_t *g = realloc(b->p, cap);
		if (!g)
			return 0;
		b->p = g;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return n;
}

static void transport_reason(const struct docker_api *a, CURLcode rc, const char *detail,
                             char *why, size_t whylen)
{
	const char *where = *a->socket_path ? a->socket_path : a->base;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		snprintf(
		    why, whylen,
		    "connection refused at %s: is the Docker API (or its socket proxy) "
		    "running and reachable? (%s)",
		    where, detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(why, whylen, "cannot resolve the Docker proxy host in %s (%s)",
		         where, detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(why, whylen, "the Docker API at %s did not answer in time (%s)",
		         where, detail);
		break;
	case CURLE_SSL_CERTPROBLEM:
		snprintf(why, whylen,
		         "TLS: the client certificate %s or key %s cannot be used (%s)",
		         a->ssl_cert ? a->ssl_cert : "(none)",
		         a->ssl_key ? a->ssl_key : "(none)", detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(why, whylen, "TLS: the CA chain %s cannot be read (%s)",
		         a->ssl_chain ? a->ssl_chain : "(system store)", detail);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(why, whylen,
		         "TLS: the proxy's certificate did not verify against %s (%s)",
		         a->ssl_chain ? a->ssl_chain : "the system CA store", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		snprintf(why, whylen, "the connection to %s failed%s (%s)", where,
		         !strncmp(a->base, "https", 5)
		             ? " during TLS: does the proxy require a client certificate "
		               "(--docker-proxy-ssl-cert/-key) or refuse this one?"
		             : "",
		         detail);
		break;
	default:
		snprintf(why, whylen, "request to the Docker API at %s failed: %s", where,
		         detail);
	}
}

int docker_request(const struct docker_api *a, const char *method, const char *path,
                   const char *body, long timeout_ms, struct docker_reply *r, char *why,
                   size_t whylen)
{
	char url[1024], errbuf[CURL_ERROR_SIZE] = "";
	memset(r, 0, sizeof *r);
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	struct buf b = {0};
	struct curl_slist *hdr = NULL;
	snprintf(url, sizeof url, "%s%s", a->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 10000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (*a->socket_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, a->socket_path);
	if (a->ssl_cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, a->ssl_cert);
	if (a->ssl_key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, a->ssl_key);
	if (a->ssl_chain)
		curl_easy_setopt(c, CURLOPT_CAINFO, a->ssl_chain);
	if (body) {
		hdr = curl_slist_append(hdr, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(c);
	int ret = 0;
	if (rc != CURLE_OK) {
		transport_reason(a, rc, *errbuf ? errbuf : curl_easy_strerror(rc), why,
		                 whylen);
		if (b.overflow)
			snprintf(why, whylen,
			         "the Docker API's answer to %s %s is over %u MiB",
			         method, path, MAX_BODY >> 20);
		free(b.p);
		ret = -1;
	} else {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
		r->body = b.p;
		r->len = b.len;
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return ret;
}

void docker_status_reason(const char *method, const char *path, long status, char *why,
                          size_t whylen)
{
	if (status == 403 || status == 401) {
		const char *perm = !strncmp(path, "/networks", 9) ? "NETWORKS"
		                   : strstr(path, "/exec")        ? "EXEC and POST"
		                                                  : "CONTAINERS";
		snprintf(why, whylen,
		         "permission denied from proxy (%ld) for %s %s: allow %s on the "
		         "socket "
		         "proxy",
		         status, method, path, perm);
	} else if (status == 404)
		snprintf(why, whylen,
		         "%s %s: not found (404): the container may have gone", method,
		         path);
	else
		snprintf(why, whylen, "%s %s: the Docker API answered %ld", method, path,
		         status);
}
