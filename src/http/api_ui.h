/*
 * api_ui.h — the web UI's static assets (every file under web/, embedded at build time by
 * scripts/embed_web.sh into $(B)/gen/web_data.c) and their route table
 * (api_ui.c), listed in routes.c. Internal to src/http/.
 */
#ifndef DANCU_HTTP_API_UI_H
#define DANCU_HTTP_API_UI_H

#include <stddef.h>

#include "http/http.h"

/* One embedded file: its path under /ui/ ("index.html", "js/app.js"), its
 * Content-Type, its bytes (static, NUL-terminated past len) and a strong
 * ETag (quoted) derived from its SHA-256. */
struct dc__ui_asset {
	const char *path;
	const char *content_type;
	const unsigned char *data;
	size_t len;
	const char *etag;
};
extern const struct dc__ui_asset dc__ui_assets[];
extern const size_t dc__ui_assets_n;

extern const struct dc__route dc__ui_routes[];
extern const size_t dc__ui_routes_n;

#endif
