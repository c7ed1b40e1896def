#include "frontend.h"

#include "passes.h"

static int run_passes(struct policy *p)
{
	/* Resolution and checking after syntax errors would mostly report their echoes. */
	if (p->diag.errors)
		return 1;
	resolve_policy(p);
	check_policy(p);
	return p->diag.errors ? 1 : 0;
}

int frontend_file(struct policy *p, const char *path)
{
	int rc = load_policy_file(p, path) != 0 ? 2 : run_passes(p);
	diag_flush(&p->diag);
	return rc;
}

int frontend_text(struct policy *p, const char *name, const char *text, size_t len)
{
	load_policy_text(p, name, text, len);
	int rc = run_passes(p);
	diag_flush(&p->diag);
	return rc;
}
