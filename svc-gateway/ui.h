/* The web UI's static files (see ui.c). */
#ifndef GATEWAY_UI_H
#define GATEWAY_UI_H

#include <microhttpd.h>
#include <stdbool.h>

struct request;

extern const char ui_csp[];

/* Serves r->url from the gateway's ui_dir (GET and HEAD outside /api/). */
enum MHD_Result ui_serve(struct request *r);

/* Exposed for the unit test. */
bool ui_path_ok(const char *path);
bool ui_is_client_route(const char *path);
const char *ui_content_type(const char *path);

#endif
