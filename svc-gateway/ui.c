/* The web UI's static files, from ui_dir (the Vite build: index.html and
 * assets/ with content-hashed names). Every path outside /api/ lands here:
 * a file that exists is sent with its type; a client route (a path whose last
 * segment has no dot) gets index.html, so deep links and reloads work; any
 * other miss is a 404. Hashed assets are cached for a year, everything else
 * is revalidated (ETag from size and mtime). Every answer carries a strict
 * Content-Security-Policy: the app loads only its own scripts and styles and
 * talks only to this origin. */
#include "ui.h"

#include "http.h"
#include "reply.h"
#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char ui_csp[] = "default-src 'none'; script-src 'self'; style-src 'self'; "
                      "img-src 'self' data: blob:; font-src 'self'; connect-src "
                      "'self'; manifest-src 'self'; base-uri 'none'; form-action "
                      "'self'; frame-ancestors 'none'";

static const struct {
	const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

const char *ui_content_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

bool ui_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (n == 0 || n > 255 || path[0] != '/')
		return false;
	if (strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                 "._-/~") != n)
		return false;
	/* No "..", no hidden files, no empty segments. */
	return !strstr(path, "/.") && !strstr(path, "//");
}

bool ui_is_client_route(const char *path)
{
	const char *last = strrchr(path, '/');
	return !strchr(last ? last : path, '.') && strncmp(path, "/assets/", 8);
}

/* Opens ui_dir + rel as a regular file; -1 if there is none. */
static int open_file(const char *dir, const char *rel, struct stat *st)
{
	char full[1024];
	int w = snprintf(full, sizeof full, "%s%s", dir, rel);
	if (w < 0 || (size_t)w >= sizeof full)
		return -1;
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", ui_csp);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result send_file(struct request *r, const char *rel, int fd,
                                 const struct stat *st)
{
	char etag[64];
	snprintf(etag, sizeof etag, "\"%" PRIxMAX "-%" PRIxMAX "\"",
	         (uintmax_t)st->st_size, (uintmax_t)st->st_mtime);
	bool hashed = !strncmp(rel, "/assets/", 8);
	const char *cache = hashed ? "public, max-age=31536000, immutable" : "no-cache";
	const char *inm = request_header(r, "If-None-Match");
	struct MHD_Response *resp;
	unsigned status;
	if (inm && !strcmp(inm, etag)) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, (void *)"",
		                                       MHD_RESPMEM_PERSISTENT);
		status = 304;
	} else {
		resp = MHD_create_response_from_fd((uint64_t)st->st_size, fd);
		status = 200;
		if (!resp)
			close(fd);
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ui_content_type(rel));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	security_headers(resp);
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->status = status;
	return ret;
}

enum MHD_Result ui_serve(struct request *r)
{
	const char *dir = r->gw->ui_dir;
	const char *path = r->url;
	if (!dir || !*dir)
		return reply_not_found(r,
		                       "this gateway serves no web UI (ui_dir is empty)");
	if (!ui_path_ok(path))
		return reply_not_found(r, "no such file");
	struct stat st;
	const char *rel = strcmp(path, "/") ? path : "/index.html";
	int fd = open_file(dir, rel, &st);
	if (fd < 0 && ui_is_client_route(path)) {
		rel = "/index.html";
		fd = open_file(dir, rel, &st);
		if (fd < 0)
			return reply_error(r, 404, "ui_not_built",
			                   "the web UI is not built or not installed in "
			                   "ui_dir (build it with node and npm present)",
			                   NULL);
	}
	if (fd < 0)
		return reply_not_found(r, "no such file");
	return send_file(r, rel, fd, &st);
}
