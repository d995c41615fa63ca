#include "changes.h"

#include "wbuf.h"

int change_log(struct batch_ctx *b, const char *kind, const char *host_id,
               const char *detail_json)
{
	return wb_change(b, kind, host_id, detail_json);
}
