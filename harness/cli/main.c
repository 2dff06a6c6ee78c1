/* SPDX-License-Identifier: MIT */
/* vclab: the thin CLI. Only main() prints errors and exits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cmds.h"
#include "core/error.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: vclab COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < vcl_nverbs; i++)
		if (!vcl_verbs[i].hidden)
			fprintf(f, "  %-9s %s\n", vcl_verbs[i].name, vcl_verbs[i].summary);
	fprintf(f, "\n`vclab COMMAND --help` describes each command's options.\n");
}

int main(int argc, char **argv)
{
	struct vcl_error *err = NULL;
	int ret;

	/* Files vclab writes are 0644 and folders 0755, whatever the caller's
	 * umask: results are meant to be read by others, never written. */
	umask(022);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < vcl_nverbs; i++) {
		if (strcmp(vcl_verbs[i].name, argv[1]) != 0)
			continue;
		ret = vcl_verbs[i].fn(argc - 1, argv + 1, &err);
		if (ret < 0) {
			fprintf(stderr, "vclab %s: %s\n", argv[1],
				err != NULL && err->msg != NULL ? err->msg : "unknown error");
			ret = err != NULL ? vcl_error_exit_code(err) : 1;
			vcl_error_free(err);
		}
		return ret;
	}
	fprintf(stderr, "vclab: unknown command '%s' (try vclab --help)\n", argv[1]);
	return 2;
}
