/* libFuzzer entry point: memcg-run's reading of a policy object, which may come from
 * anyone (memcg-run runs as root). Bytes that start like ELF are an object: libelf finds
 * the metadata section, libbpf opens the ELF (sections, BTF, map definitions), the
 * metadata is parsed and the object checked against it (runtime/policy_object.c
 * policy_object_check). Other bytes are metadata text, for the parser alone. Nothing is
 * loaded into the kernel. Any crash, hang, leak or sanitizer report is a bug. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "meta.h"
#include "policy_object.h"

static struct policy_meta meta;

static void read_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), why[512];
	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = 0;
	meta_parse(text, &meta, why, sizeof(why));
	meta_free(&meta);
	free(text);
}

static void read_object(const uint8_t *data, size_t size)
{
	struct policy_object po;
	char why[512];
	memset(&po, 0, sizeof(po));
	if (policy_object_open_mem(&po, "fuzz.o", data, size) == 0 &&
	    meta_parse(po.meta, &meta, why, sizeof(why)) == 0)
		policy_object_check(&po, &meta);
	meta_free(&meta);
	policy_object_close(&po);
	policy_object_libbpf_forget();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 4 && memcmp(data, "\177ELF", 4) == 0)
		read_object(data, size);
	else
		read_text(data, size);
	return 0;
}
