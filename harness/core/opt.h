/* SPDX-License-Identifier: MIT */
#ifndef VCL_OPT_H
#define VCL_OPT_H

/*
 * Command-line options, declared once per verb. A table of struct vcl_opt
 * (name, kind of argument, range, help line, where the value goes) gives
 * the getopt_long array, the parsing with its range errors, and the --help
 * text, so the help cannot drift from what the parser accepts
 * (tests/unit/test_opts.c checks both ways for every verb).
 *
 * Pure: no I/O besides the FILE the help is written to. Knows nothing of
 * any verb. Every table gets -h/--help; the verb's own table must not use
 * the name "help" or the letter 'h'.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

enum vcl_opt_kind {
	VCL_OPT_FLAG,	/* bool, set to true; no argument */
	VCL_OPT_STR,	/* const char *: the argument as given */
	VCL_OPT_UINT,	/* unsigned: a whole number in lo..hi */
	VCL_OPT_U64,	/* uint64_t: a whole number in lo..hi */
	VCL_OPT_DOUBLE, /* double: a number in lo..hi */
	VCL_OPT_ENUM,	/* const char *: one of words; a word ending in ':' takes any
			 * non-empty rest ("network:" accepts "network:default") */
	VCL_OPT_LIST,	/* char ** (vcl_split_list, NULL-terminated): a comma list of
			 * words; given twice, the last wins */
	VCL_OPT_APPEND, /* char ** (NULL-terminated array of argv's strings, the array
			 * malloc'd): repeatable, each use adds one */
};

struct vcl_opt {
	const char *name;  /* long name without "--" */
	const char *alias; /* a second long name, or NULL */
	char letter;	   /* short option, or 0 */
	enum vcl_opt_kind kind;
	size_t offset;		  /* where the value goes in the verb's struct */
	size_t given;		  /* 1 + the offset of a bool set when given, or 0 */
	uint64_t ulo, uhi;	  /* UINT, U64: the accepted range */
	double lo, hi;		  /* DOUBLE: the accepted range */
	const char *const *words; /* ENUM, LIST: NULL-terminated */
	/* Instead of words, when they are known only at run time (the
	 * backends built in, from the registry): returns them. */
	const char *const *(*words_of)(void);
	const char *metavar; /* NULL: N, X, ARG, LIST, or the words joined by '|' */
	const char *help;
};

struct vcl_optset {
	const char *verb;   /* "bench": errors say "see vclab bench --help" */
	const char *usage;  /* synopsis after "usage: vclab " (may hold '\n') */
	const char *about;  /* paragraph between synopsis and options, or NULL */
	const char *footer; /* text after the options, or NULL */
	bool operands;	    /* positional arguments allowed (else a usage error) */
	const struct vcl_opt *opts;
	size_t n;
	size_t size; /* sizeof the struct the offsets point into */
};

/* The offset of field f (of type `type`) in struct T; a field of another
 * type does not compile. (`type` is a type name: no parentheses possible.) */
/* NOLINTNEXTLINE(bugprone-macro-parentheses) */
#define VCL_OPT_AT(T, f, type) _Generic(((T *)0)->f, type : offsetof(T, f))

/* Table rows. T is the verb's struct, f the field, nm the long name, ch the
 * short letter or 0. */
#define VCL_OPT_FLAG_ROW(T, f, nm, ch, h)                                                          \
	{                                                                                          \
		.name = (nm), .letter = (ch), .kind = VCL_OPT_FLAG,                                \
		.offset = VCL_OPT_AT(T, f, bool), .help = (h)                                      \
	}
#define VCL_OPT_STR_ROW(T, f, nm, ch, mv, h)                                                       \
	{                                                                                          \
		.name = (nm), .letter = (ch), .kind = VCL_OPT_STR,                                 \
		.offset = VCL_OPT_AT(T, f, const char *), .metavar = (mv), .help = (h)             \
	}
#define VCL_OPT_UINT_ROW(T, f, nm, l, u, mv, h)                                                    \
	{                                                                                          \
		.name = (nm), .kind = VCL_OPT_UINT, .offset = VCL_OPT_AT(T, f, unsigned),          \
		.ulo = (l), .uhi = (u), .metavar = (mv), .help = (h)                               \
	}
#define VCL_OPT_U64_ROW(T, f, nm, l, u, mv, h)                                                     \
	{                                                                                          \
		.name = (nm), .kind = VCL_OPT_U64, .offset = VCL_OPT_AT(T, f, uint64_t),           \
		.ulo = (l), .uhi = (u), .metavar = (mv), .help = (h)                               \
	}
/* The same, and the bool field g says whether the option was given (for a
 * value with no spare number to mean "unset"). */
#define VCL_OPT_U64_GIVEN_ROW(T, f, g, nm, l, u, mv, h)                                            \
	{                                                                                          \
		.name = (nm), .kind = VCL_OPT_U64, .offset = VCL_OPT_AT(T, f, uint64_t),           \
		.given = 1 + VCL_OPT_AT(T, g, bool), .ulo = (l), .uhi = (u), .metavar = (mv),      \
		.help = (h)                                                                        \
	}
#define VCL_OPT_DOUBLE_ROW(T, f, nm, l, u, mv, h)                                                  \
	{                                                                                          \
		.name = (nm), .kind = VCL_OPT_DOUBLE, .offset = VCL_OPT_AT(T, f, double),          \
		.lo = (l), .hi = (u), .metavar = (mv), .help = (h)                                 \
	}
#define VCL_OPT_ENUM_ROW(T, f, nm, w, mv, h)                                                       \
	{                                                                                          \
		.name = (nm), .kind = VCL_OPT_ENUM, .offset = VCL_OPT_AT(T, f, const char *),      \
		.words = (w), .metavar = (mv), .help = (h)                                         \
	}
#define VCL_OPT_LIST_ROW(T, f, nm, al, w, h)                                                       \
	{                                                                                          \
		.name = (nm), .alias = (al), .kind = VCL_OPT_LIST,                                 \
		.offset = VCL_OPT_AT(T, f, char **), .words = (w), .help = (h)                     \
	}
/* A LIST whose words come from a function (see words_of). */
#define VCL_OPT_LIST_OF_ROW(T, f, nm, al, fn, h)                                                   \
	{                                                                                          \
		.name = (nm), .alias = (al), .kind = VCL_OPT_LIST,                                 \
		.offset = VCL_OPT_AT(T, f, char **), .words_of = (fn), .help = (h)                 \
	}
#define VCL_OPT_APPEND_ROW(T, f, nm, ch, mv, h)                                                    \
	{                                                                                          \
		.name = (nm), .letter = (ch), .kind = VCL_OPT_APPEND,                              \
		.offset = VCL_OPT_AT(T, f, char **), .metavar = (mv), .help = (h)                  \
	}

/*
 * Parse argv (argv[0] is the verb) into dst, which holds the defaults.
 * getopt_long rules: options and operands may mix (argv is permuted so the
 * operands come last), "--opt=value" and "--" work. Returns 0 with
 * *first_operand the index of the first operand (argc when none; may be
 * NULL when the set takes none), 1 when -h/--help was given, or -1 with a
 * one-line VCL_E_USAGE error ("--runs: 0 is out of range 1..100000").
 * What LIST and APPEND options allocated stays in dst on every return:
 * release it with vcl_opt_free.
 */
int vcl_opt_parse(const struct vcl_optset *set, int argc, char **argv, void *dst,
		  int *first_operand, struct vcl_error **err);

/* Free what LIST and APPEND options put in dst, and NULL those fields. */
void vcl_opt_free(const struct vcl_optset *set, void *dst);

/* The usage text: synopsis, about, one line per option (and -h, --help),
 * footer. */
void vcl_opt_help(FILE *f, const struct vcl_optset *set);

/* For other renderings of a table (man pages, shell completion: cli/man.c).
 * The metavar shown after the option (its own, or N, X, LIST, ARG, or the
 * words joined by '|'); the range or words the help shows in brackets
 * ("1..100000", "bare,ctr,vm"; "" for other kinds); whether it takes a
 * value. buf holds what is returned when the table has no text for it. */
const char *vcl_opt_metavar(const struct vcl_opt *o, char *buf, size_t len);
const char *vcl_opt_range(const struct vcl_opt *o, char *buf, size_t len);
bool vcl_opt_takes_arg(const struct vcl_opt *o);
/* ENUM, LIST: the words (o->words, or what o->words_of returns). */
const char *const *vcl_opt_words(const struct vcl_opt *o);

/*
 * The getopt_long array the parser uses ({0} terminated, malloc'd) and its
 * short-option string in shorts. NULL with *err set when out of memory, or
 * when shorts (len bytes) cannot hold the string: ':', each letter with a
 * ':' when it takes a value, 'h' and the NUL. Long-only options have val
 * >= VCL_OPT_LONG_VAL; exposed for the tests.
 */
#define VCL_OPT_LONG_VAL 256
struct option *vcl_opt_getopt_table(const struct vcl_optset *set, char *shorts, size_t len,
				    struct vcl_error **err);

#endif
