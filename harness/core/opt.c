/* SPDX-License-Identifier: MIT */
/* One option layer for every verb: getopt_long driven by a table (opt.h). */
#include "core/opt.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/util.h"

#define HELP_COL   26 /* where help lines start */
#define HELP_WIDTH 79

/* words joined by sep into buf. */
static const char *join(const char *const *words, const char *sep, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; words[i] != NULL && used < len; i++)
		used +=
		    (size_t)snprintf(buf + used, len - used, "%s%s", i > 0 ? sep : "", words[i]);
	return buf;
}

const char *vcl_opt_metavar(const struct vcl_opt *o, char *buf, size_t len)
{
	if (o->metavar != NULL)
		return o->metavar;
	switch (o->kind) {
	case VCL_OPT_UINT:
	case VCL_OPT_U64:
		return "N";
	case VCL_OPT_DOUBLE:
		return "X";
	case VCL_OPT_LIST:
		return "LIST";
	case VCL_OPT_ENUM:
		return join(vcl_opt_words(o), "|", buf, len);
	default:
		return "ARG";
	}
}

bool vcl_opt_takes_arg(const struct vcl_opt *o)
{
	return o->kind != VCL_OPT_FLAG;
}

const char *const *vcl_opt_words(const struct vcl_opt *o)
{
	return o->words_of != NULL ? o->words_of() : o->words;
}

static void *field(void *dst, const struct vcl_opt *o)
{
	return (char *)dst + o->offset;
}

/* ---- the getopt_long array -------------------------------------------- */

static int opt_val(const struct vcl_optset *set, size_t i)
{
	return set->opts[i].letter != 0 ? (unsigned char)set->opts[i].letter
					: VCL_OPT_LONG_VAL + (int)i;
}

struct option *vcl_opt_getopt_table(const struct vcl_optset *set, char *shorts, size_t len,
				    struct vcl_error **err)
{
	/* One row per name and alias, --help, and the terminator. */
	struct option *lo;
	size_t k = 0, s = 0, need = 3; /* ':', 'h' and the NUL */

	for (size_t i = 0; i < set->n; i++)
		if (set->opts[i].letter != 0)
			need += vcl_opt_takes_arg(&set->opts[i]) ? 2 : 1;
	if (len < need) {
		vcl_fail(err, 0,
			 "Options of vclab %s: the short-option string needs %zu bytes, the "
			 "parser has %zu",
			 set->verb, need, len);
		return NULL;
	}
	lo = calloc(2 * set->n + 2, sizeof(*lo));
	if (lo == NULL) {
		vcl_fail(err, ENOMEM, "Options of vclab %s", set->verb);
		return NULL;
	}
	/* ':' first: a missing value is told apart from an unknown option. */
	shorts[s++] = ':';
	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];
		int has = vcl_opt_takes_arg(o) ? required_argument : no_argument;

		lo[k++] = (struct option){o->name, has, NULL, opt_val(set, i)};
		if (o->alias != NULL)
			lo[k++] = (struct option){o->alias, has, NULL, opt_val(set, i)};
		if (o->letter != 0) {
			shorts[s++] = o->letter;
			if (vcl_opt_takes_arg(o))
				shorts[s++] = ':';
		}
	}
	lo[k++] = (struct option){"help", no_argument, NULL, 'h'};
	shorts[s++] = 'h';
	shorts[s] = '\0';
	return lo;
}

static const struct vcl_opt *find_val(const struct vcl_optset *set, int val)
{
	for (size_t i = 0; i < set->n; i++)
		if (opt_val(set, i) == val)
			return &set->opts[i];
	return NULL;
}

/* ---- values ------------------------------------------------------------ */

/* A bound as written in the table: 1000000, not 1e+06; 0.01 as 0.01. */
static const char *num(double v, char *buf, size_t len)
{
	if (fabs(v) < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
	return buf;
}

static int whole_out_of_range(const struct vcl_opt *o, const char *arg, struct vcl_error **err)
{
	return vcl_usage(err, "--%s: %s is out of range %" PRIu64 "..%" PRIu64, o->name, arg,
			 o->ulo, o->uhi);
}

static int set_whole(const struct vcl_optset *set, const struct vcl_opt *o, const char *arg,
		     void *dst, struct vcl_error **err)
{
	uint64_t v = 0;
	char *end;

	if (vcl_parse_u64(arg, 0, UINT64_MAX, &v) < 0) {
		/* A negative whole number is a number, just out of range. */
		errno = 0;
		(void)strtoll(arg, &end, 10);
		if (*arg != '-' || *end != '\0' || errno != 0)
			return vcl_usage(err,
					 "--%s: '%s' is not a whole number (see vclab %s --help)",
					 o->name, arg, set->verb);
		return whole_out_of_range(o, arg, err);
	}
	if (v < o->ulo || v > o->uhi)
		return whole_out_of_range(o, arg, err);
	if (o->kind == VCL_OPT_UINT)
		*(unsigned *)field(dst, o) = (unsigned)v;
	else
		*(uint64_t *)field(dst, o) = v;
	return 0;
}

static int set_double(const struct vcl_optset *set, const struct vcl_opt *o, const char *arg,
		      void *dst, struct vcl_error **err)
{
	double d;

	if (vcl_parse_double(arg, -INFINITY, INFINITY, &d) < 0)
		return vcl_usage(err, "--%s: '%s' is not a number (see vclab %s --help)", o->name,
				 arg, set->verb);
	if (d < o->lo || d > o->hi) {
		char lo[32], hi[32];

		return vcl_usage(err, "--%s: %s is out of range %s..%s", o->name, arg,
				 num(o->lo, lo, sizeof(lo)), num(o->hi, hi, sizeof(hi)));
	}
	*(double *)field(dst, o) = d;
	return 0;
}

static bool word_ok(const struct vcl_opt *o, const char *arg)
{
	const char *const *words = vcl_opt_words(o);

	for (size_t i = 0; words[i] != NULL; i++) {
		const char *w = words[i];
		size_t n = strlen(w);

		bool prefix = n > 0 && w[n - 1] == ':';

		if (prefix ? strncmp(arg, w, n) == 0 && arg[n] != '\0' : strcmp(arg, w) == 0)
			return true;
	}
	return false;
}

static int set_enum(const struct vcl_opt *o, const char *arg, void *dst, struct vcl_error **err)
{
	char buf[256];

	if (!word_ok(o, arg))
		return vcl_usage(err, "--%s: unknown value '%s' (%s)", o->name, arg,
				 vcl_opt_metavar(o, buf, sizeof(buf)));
	*(const char **)field(dst, o) = arg;
	return 0;
}

static int set_list(const struct vcl_opt *o, const char *arg, void *dst, struct vcl_error **err)
{
	char **l = vcl_split_list(arg);
	char ***out = field(dst, o);
	char buf[256];

	if (l == NULL)
		return vcl_usage(err, "--%s: empty item in list '%s'", o->name, arg);
	for (size_t i = 0; l[i] != NULL; i++) {
		int r;

		if (word_ok(o, l[i]))
			continue;
		r = vcl_usage(err, "--%s: unknown item '%s' (%s)", o->name, l[i],
			      join(vcl_opt_words(o), ", ", buf, sizeof(buf)));
		vcl_strvfreep(&l);
		return r;
	}
	vcl_strvfreep(out);
	*out = l;
	return 0;
}

static int append(const struct vcl_opt *o, char *arg, void *dst, struct vcl_error **err)
{
	char ***out = field(dst, o);
	size_t n = *out != NULL ? vcl_strv_len(*out) : 0;
	char **v = realloc(*out, (n + 2) * sizeof(*v));

	if (v == NULL)
		return vcl_fail(err, ENOMEM, "--%s", o->name);
	v[n] = arg;
	v[n + 1] = NULL;
	*out = v;
	return 0;
}

static int set_value(const struct vcl_optset *set, const struct vcl_opt *o, char *arg, void *dst,
		     struct vcl_error **err)
{
	if (o->given != 0)
		*(bool *)((char *)dst + o->given - 1) = true;
	switch (o->kind) {
	case VCL_OPT_FLAG:
		*(bool *)field(dst, o) = true;
		return 0;
	case VCL_OPT_STR:
		*(const char **)field(dst, o) = arg;
		return 0;
	case VCL_OPT_UINT:
	case VCL_OPT_U64:
		return set_whole(set, o, arg, dst, err);
	case VCL_OPT_DOUBLE:
		return set_double(set, o, arg, dst, err);
	case VCL_OPT_ENUM:
		return set_enum(o, arg, dst, err);
	case VCL_OPT_LIST:
		return set_list(o, arg, dst, err);
	case VCL_OPT_APPEND:
		return append(o, arg, dst, err);
	}
	return vcl_fail(err, 0, "--%s: unknown option kind", o->name);
}

/* ---- parsing ------------------------------------------------------------ */

/* getopt_long said '?' (unknown, or a flag given a value) or ':' (a value
 * missing); optopt holds the option's val, 0 for an unknown long one. */
static int bad_option(const struct vcl_optset *set, int c, char **argv, struct vcl_error **err)
{
	const struct vcl_opt *o = find_val(set, optopt);

	if (c == ':' && o != NULL)
		return vcl_usage(err, "Option --%s needs a value (see vclab %s --help)", o->name,
				 set->verb);
	if (o != NULL || optopt == 'h')
		return vcl_usage(err, "Option --%s takes no value (see vclab %s --help)",
				 o != NULL ? o->name : "help", set->verb);
	if (optopt > 0)
		return vcl_usage(err, "Unknown option '-%c' (see vclab %s --help)", optopt,
				 set->verb);
	return vcl_usage(err, "Unknown option '%s' (see vclab %s --help)", argv[optind - 1],
			 set->verb);
}

int vcl_opt_parse(const struct vcl_optset *set, int argc, char **argv, void *dst,
		  int *first_operand, struct vcl_error **err)
{
	char shorts[128];
	struct option *lo = vcl_opt_getopt_table(set, shorts, sizeof(shorts), err);
	int c, ret = 0;

	if (lo == NULL)
		return -1;
	/* 0, not 1: GNU getopt then re-initialises fully (its permutation
	 * state too), so a verb can be parsed again in the same process. */
	optind = 0;
	opterr = 0;
	while (ret == 0 && (c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct vcl_opt *o = find_val(set, c);

		if (c == 'h')
			ret = 1;
		else if (c == '?' || c == ':' || o == NULL)
			ret = bad_option(set, c, argv, err);
		else
			ret = set_value(set, o, optarg, dst, err);
	}
	free(lo);
	if (ret != 0)
		return ret;
	if (!set->operands && optind < argc)
		return vcl_usage(err, "Unexpected argument '%s' (see vclab %s --help)",
				 argv[optind], set->verb);
	if (first_operand != NULL)
		*first_operand = optind;
	return 0;
}

void vcl_opt_free(const struct vcl_optset *set, void *dst)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct vcl_opt *o = &set->opts[i];
		char ***v = field(dst, o);

		if (o->kind == VCL_OPT_LIST) {
			vcl_strvfreep(v);
		} else if (o->kind == VCL_OPT_APPEND) {
			free(*v); /* the strings are argv's */
			*v = NULL;
		}
	}
}

/* ---- help ------------------------------------------------------------------ */

/* text from column `col` on, wrapped at HELP_WIDTH, continuation lines
 * indented to col. */
static void wrap(FILE *f, const char *text, size_t col)
{
	size_t at = col;

	while (*text != '\0') {
		size_t w = strcspn(text, " ");

		if (at > col && at + 1 + w > HELP_WIDTH) {
			fprintf(f, "\n%*s", (int)col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', f);
			at++;
		}
		fwrite(text, 1, w, f);
		at += w;
		text += w;
		text += strspn(text, " ");
	}
	fputc('\n', f);
}

const char *vcl_opt_range(const struct vcl_opt *o, char *buf, size_t len)
{
	char lo[32], hi[32];

	buf[0] = '\0';
	if (o->kind == VCL_OPT_UINT || o->kind == VCL_OPT_U64)
		snprintf(buf, len, "%" PRIu64 "..%" PRIu64, o->ulo, o->uhi);
	else if (o->kind == VCL_OPT_DOUBLE)
		snprintf(buf, len, "%s..%s", num(o->lo, lo, sizeof(lo)),
			 num(o->hi, hi, sizeof(hi)));
	else if (o->kind == VCL_OPT_LIST)
		join(vcl_opt_words(o), ",", buf, len);
	return buf;
}

static void help_line(FILE *f, const struct vcl_opt *o)
{
	char left[160], mv[256], help[512];
	size_t used;

	used = (size_t)snprintf(left, sizeof(left), "  %c%c%s--%s%s%s", o->letter ? '-' : ' ',
				o->letter ? o->letter : ' ', o->letter ? ", " : "  ", o->name,
				o->alias ? ", --" : "", o->alias ? o->alias : "");
	if (vcl_opt_takes_arg(o) && used < sizeof(left))
		snprintf(left + used, sizeof(left) - used, " %s",
			 vcl_opt_metavar(o, mv, sizeof(mv)));
	/* The range and the words come from the table, so they cannot drift. */
	used = (size_t)snprintf(help, sizeof(help), "%s", o->help);
	if (used < sizeof(help) && *vcl_opt_range(o, mv, sizeof(mv)) != '\0')
		snprintf(help + used, sizeof(help) - used, " [%s]", mv);
	if (strlen(left) + 2 > HELP_COL)
		fprintf(f, "%s\n%*s", left, HELP_COL, "");
	else
		fprintf(f, "%-*s", HELP_COL, left);
	wrap(f, help, HELP_COL);
}

void vcl_opt_help(FILE *f, const struct vcl_optset *set)
{
	static const struct vcl_opt help = {.name = "help", .letter = 'h', .help = "this text"};

	fprintf(f, "usage: vclab %s\n", set->usage);
	if (set->about != NULL)
		fprintf(f, "\n%s\n", set->about);
	fprintf(f, "\noptions:\n");
	for (size_t i = 0; i < set->n; i++)
		help_line(f, &set->opts[i]);
	help_line(f, &help);
	if (set->footer != NULL)
		fprintf(f, "\n%s\n", set->footer);
}
