/* SPDX-License-Identifier: MIT */
/* `vclab gc`: tear down what runs whose runner died left behind. */
#include <stdio.h>
#include <string.h>

#include "bench/backends.h"
#include "cli/cmds.h"
#include "core/ledger.h"
#include "core/util.h"

int vcl_cmd_gc(int argc, char **argv, struct vcl_error **err)
{
	struct vcl_gc_opts o = {0};
	unsigned removed = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 || strcmp(argv[i], "-n") == 0) {
			o.dry_run = true;
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			o.root = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0) {
			printf(
			    "usage: vclab gc [--dry-run]\n"
			    "Removes the domains, cgroups, mounts, processes and files recorded\n"
			    "in %s/<run>/ledger by runs whose vclab process is gone.\n",
			    VCL_LEDGER_ROOT);
			return 0;
		} else {
			return vcl_usage(err, "Unknown option '%s' (usage: vclab gc [--dry-run])",
					 argv[i]);
		}
	}
	if (!o.dry_run && !vcl_is_root())
		return vcl_error_set(err, VCL_E_ENV, 0,
				     "vclab gc must run as root: CAP_SYS_ADMIN and CAP_KILL are "
				     "needed to remove cgroups and end processes");
	if (vcl_backends_init(err) < 0 || vcl_gc(&o, &removed, err) < 0)
		return -1;
	printf("%s%u dead run(s)\n", o.dry_run ? "would clean " : "cleaned ", removed);
	return 0;
}
