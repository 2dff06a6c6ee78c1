/* SPDX-License-Identifier: MIT */
/*
 * Man pages and bash completion, generated from the verb table and each
 * verb's option table, so they cannot drift from what the parser accepts
 * (`make man` runs `vclab __man`, `make completion` `vclab __completion`;
 * tests/unit/test_man.c checks every option of every table is in its page).
 *
 * The renderers are pure: they only write to the FILE they are given.
 */
#include "cli/man.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/version.h"

/* ---- troff --------------------------------------------------------------- */

/* Text for troff: backslashes doubled as \e, a '.' or '\'' opening a line
 * guarded with \&, so no line of ours is read as a request. */
static void roff_at(FILE *f, const char *s, bool bol)
{
	for (; *s != '\0'; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

/* s starts a line; mid: s goes on a line already begun. */
static void roff(FILE *f, const char *s)
{
	roff_at(f, s, true);
}

static void mid(FILE *f, const char *s)
{
	roff_at(f, s, false);
}

/* A paragraph of the tables' text: its hard line breaks stay (they are
 * written for an 80-column terminal); troff fills them again. */
static void roff_par(FILE *f, const char *s)
{
	roff(f, s);
	fputc('\n', f);
}

static void mid_par(FILE *f, const char *s)
{
	mid(f, s);
	fputc('\n', f);
}

static void th(FILE *f, const char *name, const char *date)
{
	fputs(".TH \"", f);
	for (const char *c = name; *c != '\0'; c++)
		fputc(*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c, f);
	fprintf(f, "\" 1 \"%s\" \"vclab %s\" \"vclab manual\"\n", date, VCLAB_VERSION);
}

static void option_item(FILE *f, const struct vcl_opt *o)
{
	char mv[256], range[512];

	fputs(".TP\n", f);
	if (o->letter != 0)
		fprintf(f, "\\fB\\-%c\\fR, ", o->letter);
	fputs("\\fB\\-\\-", f);
	mid(f, o->name);
	fputs("\\fR", f);
	if (o->alias != NULL) {
		fputs(", \\fB\\-\\-", f);
		mid(f, o->alias);
		fputs("\\fR", f);
	}
	if (vcl_opt_takes_arg(o)) {
		fputs(" \\fI", f);
		mid(f, vcl_opt_metavar(o, mv, sizeof(mv)));
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff(f, o->help);
	fputs(".\n", f);
	if (*vcl_opt_range(o, range, sizeof(range)) != '\0') {
		fputs(o->kind == VCL_OPT_LIST ? "A comma list of: " : "Range: ", f);
		/* "bare,ctr,vm" reads "bare, ctr, vm" */
		for (const char *c = range; *c != '\0'; c++)
			if (*c == ',' && o->kind == VCL_OPT_LIST)
				fputs(", ", f);
			else
				mid(f, (char[]){*c, '\0'});
		fputs(".\n", f);
	}
	if (o->kind == VCL_OPT_APPEND)
		fputs("May be given more than once.\n", f);
}

static void see_also(FILE *f, const char *self)
{
	bool first = true;

	fputs(".SH SEE ALSO\n", f);
	if (self != NULL) {
		fputs(".BR vclab (1)", f);
		first = false;
	}
	for (size_t i = 0; i < vcl_nverbs; i++) {
		if (vcl_verbs[i].hidden || (self != NULL && strcmp(self, vcl_verbs[i].name) == 0))
			continue;
		fprintf(f, "%s.BR vclab\\-%s (1)", first ? "" : ",\n", vcl_verbs[i].name);
		first = false;
	}
	fputs("\n", f);
}

static void page_verb(FILE *f, const struct vcl_verb *v, const char *date)
{
	const struct vcl_optset *set = v->set;
	static const struct vcl_opt help = {
	    .name = "help", .letter = 'h', .help = "print the usage"};
	char name[64];

	snprintf(name, sizeof(name), "vclab-%s", v->name);
	th(f, name, date);
	fputs(".SH NAME\n", f);
	roff(f, name);
	fputs(" \\- ", f);
	mid_par(f, v->summary);
	fputs(".SH SYNOPSIS\n.nf\n", f);
	/* usage lines: "bench [OPTIONS]", several lines for some verbs. */
	for (const char *u = set->usage; *u != '\0';) {
		size_t n = strcspn(u, "\n");
		cleanup_free char *line = strndup(u, n);

		/* A line that starts with blanks continues the one above. */
		if (line != NULL && line[0] == ' ') {
			fputs("    ", f);
			mid_par(f, line + strspn(line, " "));
		} else {
			fputs("\\fBvclab\\fR ", f);
			mid_par(f, line != NULL ? line : "");
		}
		u += n;
		u += *u == '\n';
	}
	fputs(".fi\n", f);
	if (set->about != NULL) {
		fputs(".SH DESCRIPTION\n", f);
		roff_par(f, set->about);
	}
	fputs(".SH OPTIONS\n", f);
	for (size_t i = 0; i < set->n; i++)
		option_item(f, &set->opts[i]);
	option_item(f, &help);
	if (set->footer != NULL) {
		fputs(".SH NOTES\n", f);
		roff_par(f, set->footer);
	}
	fputs(".SH EXIT STATUS\n"
	      "0 on success; 1 when the verb's own test fails (a gate that does not pass);\n"
	      "2 on a usage error; other values for errors of the host or the run.\n",
	      f);
	see_also(f, v->name);
}

static void page_index(FILE *f, const char *date)
{
	th(f, "vclab", date);
	fputs(".SH NAME\nvclab \\- compare a service run as a VM, a container and a bare process\n"
	      ".SH SYNOPSIS\n\\fBvclab\\fR \\fICOMMAND\\fR [\\fIOPTIONS\\fR]\n"
	      ".br\n\\fBvclab\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR\n"
	      ".SH DESCRIPTION\n"
	      "vclab starts the same HTTP service as a libvirt/QEMU virtual machine (\\fBvm\\fR),\n"
	      "a namespace container (\\fBctr\\fR) and a plain process (\\fBbare\\fR), measures\n"
	      "startup, memory and density, and turns the results into reports, placement\n"
	      "advice, CI gates and exports for the tools people already run.\n"
	      "Measuring (\\fBbench\\fR) and judging (\\fBreport\\fR, \\fBadvise\\fR,\n"
	      "\\fBcheck\\fR, \\fBexport\\fR) are separate steps that meet in results.json.\n"
	      ".SH COMMANDS\n",
	      f);
	for (size_t i = 0; i < vcl_nverbs; i++) {
		if (vcl_verbs[i].hidden)
			continue;
		fprintf(f, ".TP\n.BR vclab\\-%s (1)\n", vcl_verbs[i].name);
		roff_par(f, vcl_verbs[i].summary);
	}
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n.B VCLAB_LIBDIR\n"
	      "Where vclab finds its payload (vclab\\-payload), the guest init and the guest\n"
	      "image (guest/); default: \\fI../lib/vclab\\fR from the folder of the vclab\n"
	      "binary, then the build tree.\n"
	      ".TP\n.B VCLAB_GUEST_DIR\n"
	      "The folder of the guest image (vmlinuz, initramfs.cpio.gz), before all others.\n"
	      ".TP\n.B VCLAB_GNUPLOT\n"
	      "The gnuplot program the report uses for figures.\n"
	      ".SH FILES\n"
	      ".TP\n.I PREFIX/lib/vclab/\n"
	      "The payload, the guest init, build\\-guest.sh and the built guest image.\n"
	      ".TP\n.I results/RUN/results.json\n"
	      "What a run measured; documented in docs/results.md.\n",
	      f);
	see_also(f, NULL);
}

int vcl_man_write(FILE *f, const char *verb, const char *date, struct vcl_error **err)
{
	if (date == NULL || *date == '\0')
		date = "2026-01-01";
	if (verb != NULL && strncmp(verb, "vclab-", 6) == 0)
		verb += 6;
	if (verb == NULL || strcmp(verb, "vclab") == 0) {
		page_index(f, date);
		return 0;
	}
	for (size_t i = 0; i < vcl_nverbs; i++)
		if (!vcl_verbs[i].hidden && strcmp(vcl_verbs[i].name, verb) == 0) {
			page_verb(f, &vcl_verbs[i], date);
			return 0;
		}
	return vcl_usage(err, "No command '%s' to write a man page for", verb);
}

/* ---- bash completion ----------------------------------------------------------- */

static void words(FILE *f, const char *const *w, const char *sep)
{
	for (size_t i = 0; w[i] != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? sep : "", w[i]);
}

static void completion_verb(FILE *f, const struct vcl_verb *v)
{
	const struct vcl_optset *set = v->set;
	bool any_arg = false;

	fprintf(f, "\t%s)\n\t\topts=\"", v->name);
	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];

		if (o->letter != 0)
			fprintf(f, "-%c ", o->letter);
		fprintf(f, "--%s ", o->name);
		if (o->alias != NULL)
			fprintf(f, "--%s ", o->alias);
	}
	fprintf(f, "-h --help\"\n\t\toperands=%d\n", set->operands ? 1 : 0);
	for (size_t i = 0; i < set->n; i++)
		any_arg |= vcl_opt_takes_arg(&set->opts[i]);
	if (!any_arg) {
		fputs("\t\t;;\n", f);
		return;
	}
	fputs("\t\tcase $prev in\n", f);
	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];

		if (!vcl_opt_takes_arg(o))
			continue;
		fputs("\t\t", f);
		if (o->letter != 0)
			fprintf(f, "-%c|", o->letter);
		fprintf(f, "--%s", o->name);
		if (o->alias != NULL)
			fprintf(f, "|--%s", o->alias);
		fputs(") ", f);
		switch (o->kind) {
		case VCL_OPT_ENUM:
		case VCL_OPT_LIST:
			fputs("words=\"", f);
			words(f, vcl_opt_words(o), " ");
			fprintf(f, "\"%s ;;\n", o->kind == VCL_OPT_LIST ? " list=1" : "");
			break;
		case VCL_OPT_STR:
		case VCL_OPT_APPEND:
			fputs("arg=file ;;\n", f);
			break;
		default:
			fputs("arg=value ;;\n", f);
			break;
		}
	}
	fputs("\t\tesac\n\t\t;;\n", f);
}

void vcl_completion_bash(FILE *f)
{
	fputs("# bash completion for vclab(1).\n"
	      "# Generated by `vclab __completion bash` from the verb and option tables;\n"
	      "# do not edit (make completion writes it again).\n\n"
	      "_vclab()\n{\n"
	      "\tlocal cur prev verb opts= words= list= arg= operands=0 pre\n"
	      "\tCOMPREPLY=()\n"
	      "\tcur=${COMP_WORDS[COMP_CWORD]}\n"
	      "\tprev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\t# --opt=value: bash splits the word at '='.\n"
	      "\tif [[ $cur == = ]]; then\n"
	      "\t\tcur=\n"
	      "\telif [[ $prev == = ]] && ((COMP_CWORD > 2)); then\n"
	      "\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n"
	      "\tfi\n"
	      "\tif ((COMP_CWORD == 1)); then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"",
	      f);
	for (size_t i = 0; i < vcl_nverbs; i++)
		if (!vcl_verbs[i].hidden)
			fprintf(f, "%s ", vcl_verbs[i].name);
	fputs("--help\" -- \"$cur\"))\n"
	      "\t\treturn 0\n"
	      "\tfi\n"
	      "\tverb=${COMP_WORDS[1]}\n"
	      "\tcase $verb in\n",
	      f);
	for (size_t i = 0; i < vcl_nverbs; i++)
		if (!vcl_verbs[i].hidden)
			completion_verb(f, &vcl_verbs[i]);
	fputs("\t*) return 0 ;;\n"
	      "\tesac\n"
	      "\tif [[ -n $words ]]; then\n"
	      "\t\tif [[ -n $list ]]; then\n"
	      "\t\t\t# A comma list: complete its last item.\n"
	      "\t\t\tpre=${cur%\"${cur##*,}\"}\n"
	      "\t\t\tCOMPREPLY=($(compgen -P \"$pre\" -W \"$words\" -- \"${cur##*,}\"))\n"
	      "\t\t\tcompopt -o nospace 2>/dev/null\n"
	      "\t\telse\n"
	      "\t\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	      "\t\tfi\n"
	      "\t\treturn 0\n"
	      "\tfi\n"
	      "\tcase $arg in\n"
	      "\tfile)\n"
	      "\t\tcompopt -o filenames 2>/dev/null\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\t\treturn 0\n"
	      "\t\t;;\n"
	      "\tvalue) return 0 ;;\n"
	      "\tesac\n"
	      "\tif [[ $cur == -* || $operands == 0 ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telse\n"
	      "\t\tcompopt -o filenames 2>/dev/null\n"
	      "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "\tfi\n"
	      "\treturn 0\n"
	      "}\n"
	      "complete -F _vclab vclab\n",
	      f);
}

/* ---- the hidden verbs -------------------------------------------------------- */

int vcl_cmd_man(int argc, char **argv, struct vcl_error **err)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		/* The pages make man writes: vclab, then one per verb. */
		printf("vclab\n");
		for (size_t i = 0; i < vcl_nverbs; i++)
			if (!vcl_verbs[i].hidden)
				printf("vclab-%s\n", vcl_verbs[i].name);
		return 0;
	}
	if (argc < 2 || argc > 3)
		return vcl_usage(err, "usage: vclab __man --list | vclab|VERB [DATE]");
	return vcl_man_write(stdout, argv[1], argc == 3 ? argv[2] : NULL, err);
}

int vcl_cmd_completion(int argc, char **argv, struct vcl_error **err)
{
	if (argc != 2 || strcmp(argv[1], "bash") != 0)
		return vcl_usage(err, "usage: vclab __completion bash");
	vcl_completion_bash(stdout);
	return 0;
}
