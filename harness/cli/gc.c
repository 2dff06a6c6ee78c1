/* SPDX-License-Identifier: MIT */
/* `vclab gc`: tear down what runs whose runner died left behind. */
#include <stdio.h>
#include <string.h>

#include "bench/backends.h"
#include "cli/cmds.h"
#include "core/cleanup.h"
#include "core/ledger.h"
#include "core/util.h"
#include "image/image.h"

static const struct vcl_opt gc_opts[] = {
    VCL_OPT_FLAG_ROW(struct vcl_gc_opts, dry_run, "dry-run", 'n',
		     "say what would be removed, remove nothing"),
    VCL_OPT_FLAG_ROW(struct vcl_gc_opts, cache, "cache", 0,
		     "also remove unfinished entries of the image cache ($VCLAB_CACHE) whose "
		     "builder is gone"),
    VCL_OPT_STR_ROW(struct vcl_gc_opts, root, "root", 0, "DIR",
		    "where the ledgers are (default " VCL_LEDGER_ROOT "; for tests)"),
};

const struct vcl_optset vcl_gc_optset = {
    .verb = "gc",
    .usage = "gc [--dry-run] [--cache]",
    .about = "Removes the domains, cgroups, mounts, processes and files recorded\n"
	     "in " VCL_LEDGER_ROOT "/<run>/ledger by runs whose vclab process is gone.\n"
	     "Each run listed says why it is taken for dead (its pid is gone, was\n"
	     "reused by a process with another start time, it started before the\n"
	     "last reboot, or it has no owner file); a live run is left alone.",
    .opts = gc_opts,
    .n = ARRAY_SIZE(gc_opts),
    .size = sizeof(struct vcl_gc_opts),
};

int vcl_cmd_gc(int argc, char **argv, struct vcl_error **err)
{
	struct vcl_ledger_kinds kinds = {0};
	struct vcl_gc_opts o = {.kinds = &kinds};
	unsigned removed = 0;
	int r = vcl_cmd_parse(&vcl_gc_optset, argc, argv, &o, NULL, err);

	if (r != 0)
		return r > 0 ? 0 : -1;
	if (!o.dry_run && !vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "vclab gc must run as root: CAP_SYS_ADMIN and CAP_KILL are "
				     "needed to remove cgroups and end processes");
	if (vcl_backends_init(&kinds, err) < 0 || vcl_gc(&o, &removed, err) < 0)
		return -1;
	printf("%s%u dead run(s)\n", o.dry_run ? "would clean " : "cleaned ", removed);
	if (!o.cache)
		return 0;
	if (vcl_cache_gc(o.dry_run, &removed, err) < 0)
		return -1;
	printf("%s%u unfinished cache entr%s in %s\n", o.dry_run ? "would remove " : "removed ",
	       removed, removed == 1 ? "y" : "ies", vcl_image_cache_root());
	return 0;
}
