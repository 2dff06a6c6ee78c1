/* SPDX-License-Identifier: MIT */
#include "core/jsonpos.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct scan {
	const char *s;
	size_t len, pos;
	const char *const *steps;
	size_t nsteps;
};

/* White space, and the comments json-c's default (non-strict) mode skips. */
static void skip_ws(struct scan *sc)
{
	const char *s = sc->s;

	while (sc->pos < sc->len) {
		if (s[sc->pos] == ' ' || s[sc->pos] == '\t' || s[sc->pos] == '\n' ||
		    s[sc->pos] == '\r') {
			sc->pos++;
		} else if (sc->pos + 1 < sc->len && s[sc->pos] == '/' && s[sc->pos + 1] == '/') {
			while (sc->pos < sc->len && s[sc->pos] != '\n')
				sc->pos++;
		} else if (sc->pos + 1 < sc->len && s[sc->pos] == '/' && s[sc->pos + 1] == '*') {
			sc->pos += 2;
			while (sc->pos + 1 < sc->len &&
			       !(s[sc->pos] == '*' && s[sc->pos + 1] == '/'))
				sc->pos++;
			sc->pos = sc->pos + 2 < sc->len ? sc->pos + 2 : sc->len;
		} else {
			return;
		}
	}
}

static int hex4(const char *s, size_t len, size_t at, unsigned *out)
{
	unsigned v = 0;

	if (at + 4 > len)
		return -1;
	for (size_t i = at; i < at + 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Decode one character of a JSON string at sc->pos into buf (UTF-8, up to 4
 * bytes). Returns its length, 0 at the closing quote, -1 when malformed. */
static int string_char(struct scan *sc, char quote, char buf[4])
{
	const char *s = sc->s;
	unsigned cp, lo;
	char c;

	if (sc->pos >= sc->len)
		return -1;
	c = s[sc->pos++];
	if (c == quote)
		return 0;
	if (c != '\\') {
		buf[0] = c;
		return 1;
	}
	if (sc->pos >= sc->len)
		return -1;
	c = s[sc->pos++];
	switch (c) {
	case '"':
	case '\'':
	case '\\':
	case '/':
		buf[0] = c;
		return 1;
	case 'b':
		buf[0] = '\b';
		return 1;
	case 'f':
		buf[0] = '\f';
		return 1;
	case 'n':
		buf[0] = '\n';
		return 1;
	case 'r':
		buf[0] = '\r';
		return 1;
	case 't':
		buf[0] = '\t';
		return 1;
	case 'u':
		break;
	default:
		return -1;
	}
	if (hex4(s, sc->len, sc->pos, &cp) < 0)
		return -1;
	sc->pos += 4;
	/* A surrogate pair is one character. */
	if (cp >= 0xd800 && cp <= 0xdbff && sc->pos + 6 <= sc->len && s[sc->pos] == '\\' &&
	    s[sc->pos + 1] == 'u' && hex4(s, sc->len, sc->pos + 2, &lo) == 0 && lo >= 0xdc00 &&
	    lo <= 0xdfff) {
		sc->pos += 6;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | (cp >> 6));
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | (cp >> 12));
		buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | (cp >> 18));
	buf[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Read the string at sc->pos (its opening quote); *equal tells whether it
 * decodes to want (want NULL: just skip it). */
static int scan_string(struct scan *sc, const char *want, bool *equal)
{
	size_t matched = 0, wlen = want != NULL ? strlen(want) : 0;
	bool same = want != NULL;
	char buf[4];
	int n;

	char quote;

	/* json-c's non-strict mode takes 'single-quoted' strings too. */
	if (sc->pos >= sc->len || (sc->s[sc->pos] != '"' && sc->s[sc->pos] != '\''))
		return -1;
	quote = sc->s[sc->pos++];
	while ((n = string_char(sc, quote, buf)) > 0) {
		if (same &&
		    (wlen - matched < (size_t)n || memcmp(want + matched, buf, (size_t)n) != 0))
			same = false;
		else if (same)
			matched += (size_t)n;
	}
	if (n < 0)
		return -1;
	if (equal != NULL)
		*equal = same && matched == wlen;
	return 0;
}

/*
 * Scan one value at sc->pos. When on_path, this value is the one steps[0..depth)
 * names: *found and *off get the deepest point of the path reached through
 * it. level is the nesting, for the depth limit.
 */
static int scan_value(struct scan *sc, size_t level, bool on_path, size_t depth, size_t *found,
		      size_t *off)
{
	char open;

	skip_ws(sc);
	if (sc->pos >= sc->len || level > VCL_JSONPOS_MAX_DEPTH)
		return -1;
	if (on_path) {
		*found = depth;
		*off = sc->pos;
	}
	open = sc->s[sc->pos];
	if (open == '"' || open == '\'')
		return scan_string(sc, NULL, NULL);
	if (open == '{' || open == '[') {
		const char *want = on_path && depth < sc->nsteps ? sc->steps[depth] : NULL;
		char close = open == '{' ? '}' : ']';
		size_t index = 0;

		sc->pos++;
		skip_ws(sc);
		if (sc->pos < sc->len && sc->s[sc->pos] == close) {
			sc->pos++;
			return 0;
		}
		for (;;) {
			bool match = false;
			size_t f = 0, o = 0;

			skip_ws(sc);
			if (open == '{') {
				if (scan_string(sc, want, &match) < 0)
					return -1;
				skip_ws(sc);
				if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
					return -1;
				sc->pos++;
			} else if (want != NULL) {
				char num[24];

				snprintf(num, sizeof(num), "%zu", index);
				match = strcmp(num, want) == 0;
			}
			if (scan_value(sc, level + 1, match, depth + 1, &f, &o) < 0)
				return -1;
			/* The last of duplicate names wins, as in json-c. */
			if (match) {
				*found = f;
				*off = o;
			}
			index++;
			skip_ws(sc);
			if (sc->pos >= sc->len)
				return -1;
			if (sc->s[sc->pos] == close) {
				sc->pos++;
				return 0;
			}
			if (sc->s[sc->pos] != ',')
				return -1;
			sc->pos++;
			/* A trailing comma, which json-c's non-strict mode allows. */
			skip_ws(sc);
			if (sc->pos < sc->len && sc->s[sc->pos] == close) {
				sc->pos++;
				return 0;
			}
		}
	}
	/* A number or true/false/null: up to the next delimiter. */
	{
		size_t start = sc->pos;

		while (sc->pos < sc->len && strchr(",]} \t\r\n:{[\"'/", sc->s[sc->pos]) == NULL)
			sc->pos++;
		return sc->pos > start ? 0 : -1;
	}
}

int vcl_json_locate(const char *text, size_t len, const char *const *steps, size_t nsteps,
		    size_t *off)
{
	struct scan sc = {.s = text, .len = len, .steps = steps, .nsteps = nsteps};
	size_t found = 0;

	*off = 0;
	if (scan_value(&sc, 0, true, 0, &found, off) < 0)
		return -1;
	return (int)found;
}

void vcl_text_line_col(const char *text, size_t len, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len && text[i] != '\0'; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}
