/* Loads compiled policies on this kernel (hooks left out: it has no memcg_bpf_ops) and
 * prints how many instructions the verifier processed for each program (bpf_prog_info
 * verified_insns), or why it refused one. The measuring tool of tests/lang/run-cost.sh.
 * usage: verify_cost OBJECT... */
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "policy_object.h"

static void measure(const char *path)
{
	struct policy_object po;
	if (policy_object_open(&po, path) != 0 || policy_object_load(&po, NULL) != 0) {
		printf("%s refused %s\n", path, po.error);
		policy_object_close(&po);
		return;
	}
	const char *const progs[] = { "count_memcg_events", "memcgc_test" };
	printf("%s", path);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		memset(&info, 0, sizeof(info));
		int fd = policy_object_prog_fd(&po, progs[i]);
		if (fd >= 0 && bpf_prog_get_info_by_fd(fd, &info, &len) == 0)
			printf(" %s %u", progs[i], info.verified_insns);
		else
			printf(" %s ?", progs[i]);
	}
	printf("\n");
	policy_object_close(&po);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++)
		measure(argv[i]);
	return 0;
}
