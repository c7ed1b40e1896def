/* libFuzzer entry point: the whole front end (lexer, parser, resolution, checks, lowering
 * and metadata) on
 * arbitrary bytes. Imports are off, so the input is the only file read. Any crash, hang,
 * leak (the arena is freed each run) or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "frontend.h"
#include "metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	policy_init(&p, NULL);
	p.imports_allowed = 0;
	frontend_text(&p, "fuzz.mcp", (const char *)data, size);
	if (p.diag.errors == 0) {
		FILE *sink = fopen("/dev/null", "w");
		if (sink) {
			ast_dump(&p, sink);
			struct policy_ir ir;
			lower_policy(&p, &ir);
			fputs(metadata_text(&p, &ir), sink);
			fclose(sink);
		}
	}
	policy_free(&p);
	return 0;
}
