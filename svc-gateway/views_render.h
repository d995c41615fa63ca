/* Text renderings of a view's graph ({"nodes": [...], "edges": [...]}):
 * Mermaid flowchart, Graphviz DOT and SVG, nodes nested in their parent as
 * subgraphs/clusters. Returns malloc'd text or NULL. */
#ifndef GATEWAY_VIEWS_RENDER_H
#define GATEWAY_VIEWS_RENDER_H

#include <jansson.h>

char *view_render_mermaid(json_t *graph);
char *view_render_dot(json_t *graph);
/* SVG of the graph in a simple layered layout (no external tools). */
char *view_render_svg(json_t *graph);

#endif
