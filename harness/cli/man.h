/* SPDX-License-Identifier: MIT */
#ifndef VCL_MAN_H
#define VCL_MAN_H

/*
 * Man pages (troff, man(7) macros) and bash completion, generated from the
 * verb table (cli/cmds.h) and the verbs' option tables (core/opt.h). Pure:
 * they only write to f.
 */

#include <stdio.h>

#include "cli/cmds.h"
#include "core/error.h"

/* vclab(1) when verb is NULL or "vclab", else vclab-VERB(1). date goes in
 * the title line ("2026-11-24"; NULL: a fixed date, so builds repeat).
 * -1 with a usage error for a verb not in the table (or hidden). */
int vcl_man_write(FILE *f, const char *verb, const char *date, struct vcl_error **err);

/* The bash completion script: verbs, each verb's options, and the words of
 * enum and list options (comma lists complete item by item). */
void vcl_completion_bash(FILE *f);

#endif
