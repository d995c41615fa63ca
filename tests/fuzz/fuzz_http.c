/* libFuzzer target: HTTP responses from any server we probe (head, framing,
 * chunked bodies, titles) and the text cleaning of their fields. */
#include "http_response.h"
#include "text.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_resp r;
	static uint8_t body[16 * 1024];
	char title[512], clean[1024];
	if (http_parse_head(data, size, "HTTP", &r) == 1) {
		const uint8_t *b = data + r.head_len;
		size_t bl = size - r.head_len;
		http_body_complete(&r, b, bl, false);
		size_t n = r.chunked ? http_dechunk(b, bl, body, sizeof body) : 0;
		http_title(r.chunked ? body : b, r.chunked ? n : bl, title, sizeof title);
		for (size_t i = 0; i < r.nh; i++)
			text_clean((const uint8_t *)r.h[i].value, r.h[i].vlen, clean,
			           sizeof clean, 1);
		http_header(&r, "location");
	}
	http_parse_head(data, size, "RTSP", &r);
	http_dechunk(data, size, body, sizeof body);
	http_title(data, size, title, sizeof title);
	text_clean(data, size, clean, sizeof clean, 0);
	return 0;
}
