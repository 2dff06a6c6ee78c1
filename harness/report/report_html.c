/* SPDX-License-Identifier: MIT */
/*
 * The report document as one self-contained HTML file: inline CSS, the SVG
 * figures inline, no scripts, and a Content-Security-Policy that forbids
 * every fetch, so a page that tried to load anything would show it in the
 * browser console (tests/browser/run.sh checks that).
 */
#include "report/report.h"
#include "core/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    ":root{color-scheme:light}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:#eef0f3;color:#1d232a;"
    "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,"
    "sans-serif}\n"
    "main{max-width:1120px;margin:0 auto;padding:24px 32px 64px;background:#fff;"
    "min-height:100vh}\n"
    "h1{font-size:1.75rem;margin:.2em 0 .6em;line-height:1.25}\n"
    "h2{font-size:1.35rem;margin:2.2em 0 .7em;padding-bottom:.2em;"
    "border-bottom:2px solid #e3e6ea}\n"
    "h3{font-size:1.1rem;margin:1.5em 0 .5em}\n"
    "p,li{max-width:80ch}\n"
    "a{color:#1f5fbf}\n"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;"
    "font-size:.9em;background:#f0f2f5;padding:0 .25em;border-radius:3px}\n"
    "nav.toc{font-size:.92rem;background:#f6f7f9;border:1px solid #e3e6ea;border-radius:6px;"
    "padding:.5em 1em;margin:1em 0}\n"
    "nav.toc a{margin-right:1.1em;white-space:nowrap}\n"
    ".tw{overflow-x:auto;margin:0 0 1.2em;-webkit-overflow-scrolling:touch}\n"
    "table{border-collapse:collapse;font-size:.9rem}\n"
    "th,td{padding:.35em .6em;border-bottom:1px solid #e3e6ea;text-align:left;"
    "vertical-align:top;overflow-wrap:anywhere}\n"
    "th{background:#f0f2f5;font-weight:600;vertical-align:bottom}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.n{overflow-wrap:normal}\n"
    "tbody tr:nth-child(even){background:#fafbfc}\n"
    ".bigfact{font-size:2rem;font-weight:700;line-height:1.2;margin:.4em 0 .6em;"
    "color:#4b2a85}\n"
    "aside{border-left:6px solid;padding:.7em 1em;margin:1em 0;border-radius:4px;"
    "max-width:90ch}\n"
    "aside.caveat{background:#fff5db;border-color:#d99a00}\n"
    "aside.warning{background:#fdecec;border-color:#cc3333}\n"
    "figure{margin:1.6em 0}\n"
    "figure .plot{max-width:960px;border:1px solid #e3e6ea;border-radius:4px}\n"
    "figure svg{display:block;width:100%;height:auto}\n"
    "figcaption{font-size:.9rem;color:#3d4650;margin-top:.5em;max-width:960px}\n"
    "figcaption .files{color:#68717c}\n"
    ".notdrawn{color:#8a4b00}\n"
    "details{margin:0 0 1.2em}\n"
    "summary{cursor:pointer;color:#1f5fbf}\n"
    ".advisor pre{white-space:pre;overflow-x:auto;font-size:.85em}\n"
    "@media (max-width:720px){main{padding:14px}.bigfact{font-size:1.4rem}"
    "h1{font-size:1.4rem}}\n"
    "@media print{body{background:#fff}main{max-width:none}}\n";

static void put_esc(FILE *f, const char *s, size_t n)
{
	vcl_xml_put(f, s, n, 0);
}

/* The inline markup: \x, `code`, **bold**, *emphasis*, [text](href). */
static void put_inline(FILE *f, const char *s, size_t n)
{
	bool strong = false, em = false;
	size_t i = 0;

	while (i < n && s[i] != '\0') {
		const char *rest = s + i;

		if (rest[0] == '\\' && i + 1 < n && rest[1] != '\0') {
			put_esc(f, rest + 1, 1);
			i += 2;
		} else if (rest[0] == '`') {
			const char *end = memchr(rest + 1, '`', n - i - 1);

			if (end == NULL) {
				put_esc(f, rest, 1);
				i++;
				continue;
			}
			fputs("<code>", f);
			put_esc(f, rest + 1, (size_t)(end - rest - 1));
			fputs("</code>", f);
			i += (size_t)(end - rest) + 1;
		} else if (rest[0] == '*' && i + 1 < n && rest[1] == '*') {
			fputs(strong ? "</strong>" : "<strong>", f);
			strong = !strong;
			i += 2;
		} else if (rest[0] == '*') {
			fputs(em ? "</em>" : "<em>", f);
			em = !em;
			i++;
		} else if (rest[0] == '[') {
			/* [text](href): text up to the matching "](", href up to ")". */
			const char *mid = NULL, *close;
			int depth = 0;

			for (size_t k = 1; i + k < n && rest[k] != '\0'; k++) {
				if (rest[k] == '\\' && rest[k + 1] != '\0') {
					k++;
					continue;
				}
				if (rest[k] == '[')
					depth++;
				if (rest[k] == ']' && depth-- == 0) {
					if (rest[k + 1] == '(')
						mid = rest + k;
					break;
				}
			}
			close =
			    mid != NULL ? memchr(mid + 2, ')', n - (size_t)(mid + 2 - s)) : NULL;
			if (mid == NULL || close == NULL) {
				put_esc(f, rest, 1);
				i++;
				continue;
			}
			fputs("<a href=\"", f);
			put_esc(f, mid + 2, (size_t)(close - mid - 2));
			fputs("\">", f);
			put_inline(f, rest + 1, (size_t)(mid - rest - 1));
			fputs("</a>", f);
			i += (size_t)(close - rest) + 1;
		} else {
			put_esc(f, rest, 1);
			i++;
		}
	}
	if (em)
		fputs("</em>", f);
	if (strong)
		fputs("</strong>", f);
}

static void put_text(FILE *f, const char *s)
{
	put_inline(f, s, strlen(s));
}

static void put_table(FILE *f, const struct vcl_rblock *b)
{
	fputs("<div class=\"tw\"><table>\n<thead><tr>", f);
	for (size_t c = 0; c < b->cols; c++) {
		fputs((b->numeric >> c) & 1u ? "<th class=\"n\">" : "<th>", f);
		put_text(f, b->cells[c]);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (size_t r = 1; r < b->rows; r++) {
		fputs("<tr>", f);
		for (size_t c = 0; c < b->cols; c++) {
			fputs((b->numeric >> c) & 1u ? "<td class=\"n\">" : "<td>", f);
			put_text(f, b->cells[r * b->cols + c]);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

static void put_figure(FILE *f, const struct vcl_report_fig *fig, unsigned num)
{
	if (fig->svg == NULL) {
		fprintf(f, "<p class=\"notdrawn\"><strong>Figure %u (%s) was not drawn:</strong> ",
			num, fig->name);
		put_esc(f, fig->problem != NULL ? fig->problem : "gnuplot did not run", SIZE_MAX);
		fprintf(f, ". Its script is <code>figures/%s.gp</code>; it would have shown: ",
			fig->name);
		put_esc(f, fig->caption, SIZE_MAX);
		fputs("</p>\n", f);
		return;
	}
	fprintf(
	    f,
	    "<figure id=\"fig-%s\">\n<div class=\"plot\" role=\"img\" aria-label=\"Figure %u\">\n",
	    fig->name, num);
	fputs(fig->svg, f);
	if (fig->svg[0] != '\0' && fig->svg[strlen(fig->svg) - 1] != '\n')
		fputc('\n', f);
	fprintf(f, "</div>\n<figcaption><strong>Figure %u.</strong> ", num);
	put_esc(f, fig->caption, SIZE_MAX);
	fprintf(f,
		" <span class=\"files\">(<a href=\"figures/%s.png\">PNG</a>, "
		"<a href=\"figures/%s.gp\">gnuplot script</a>)</span></figcaption>\n</figure>\n",
		fig->name, fig->name);
}

/* A markdown pipe-table row (p, len bytes) as <tr>, its cells <th> in the
 * first row (head), <td> after. */
static void put_md_row(FILE *f, const char *p, size_t len, bool head)
{
	const char *c = p + 1, *end = p + len;

	fputs("<tr>", f);
	while (c < end) {
		const char *bar = memchr(c, '|', (size_t)(end - c));
		size_t cl = bar != NULL ? (size_t)(bar - c) : (size_t)(end - c);

		while (cl > 0 && *c == ' ') {
			c++;
			cl--;
		}
		while (cl > 0 && c[cl - 1] == ' ')
			cl--;
		if (bar == NULL && cl == 0)
			break;
		fputs(head ? "<th>" : "<td>", f);
		put_inline(f, c, cl);
		fputs(head ? "</th>" : "</td>", f);
		if (bar == NULL)
			break;
		c = bar + 1;
	}
	fputs("</tr>\n", f);
}

/* A markdown heading (p, len bytes): the advisor's headings sit under the
 * report's h2. */
static void put_md_heading(FILE *f, const char *p, size_t len)
{
	size_t lv = 0;

	while (lv < len && p[lv] == '#')
		lv++;
	fprintf(f, "<h%zu>", lv + 2 > 6 ? 6 : lv + 2);
	put_inline(f, p + lv + (lv < len && p[lv] == ' '), len - lv - (lv < len && p[lv] == ' '));
	fprintf(f, "</h%zu>\n", lv + 2 > 6 ? 6 : lv + 2);
}

/* Markdown from the advisor: headings, "- " lists, pipe tables and
 * paragraphs, with the same inline markup; anything else reads as text. */
static void put_markdown(FILE *f, const char *md)
{
	const char *p = md;
	bool in_list = false, in_table = false, in_para = false, in_code = false;
	size_t trow = 0;

	fputs("<div class=\"advisor\">\n", f);
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
		bool fence = len >= 3 && strncmp(p, "```", 3) == 0;

		/* Fenced code blocks (the advisor's own table) keep their layout. */
		if (in_code || fence) {
			if (in_code && fence) {
				fputs("</pre>\n", f);
				in_code = false;
			} else if (in_code) {
				put_esc(f, p, len);
				fputc('\n', f);
			} else {
				if (in_para)
					fputs("</p>\n", f);
				if (in_list)
					fputs("</ul>\n", f);
				if (in_table)
					fputs("</tbody></table></div>\n", f);
				in_para = in_list = in_table = false;
				fputs("<pre>", f);
				in_code = true;
			}
			p = nl != NULL ? nl + 1 : p + len;
			continue;
		}
		bool blank = len == 0,
		     is_list = len > 2 && (p[0] == '-' || p[0] == '*') && p[1] == ' ',
		     is_table = len > 0 && p[0] == '|', is_head = len > 0 && p[0] == '#';

		if (in_list && !is_list) {
			fputs("</ul>\n", f);
			in_list = false;
		}
		if (in_table && !is_table) {
			fputs("</tbody></table></div>\n", f);
			in_table = false;
		}
		if (in_para && (blank || is_list || is_table || is_head)) {
			fputs("</p>\n", f);
			in_para = false;
		}
		if (blank) {
			/* nothing */
		} else if (is_head) {
			put_md_heading(f, p, len);
		} else if (is_list) {
			if (!in_list)
				fputs("<ul>\n", f);
			in_list = true;
			fputs("<li>", f);
			put_inline(f, p + 2, len - 2);
			fputs("</li>\n", f);
		} else if (is_table) {
			bool sep = strspn(p, "|-: ") >= len;

			if (!in_table) {
				fputs("<div class=\"tw\"><table><tbody>\n", f);
				in_table = true;
				trow = 0;
			}
			if (!sep)
				put_md_row(f, p, len, trow++ == 0);
		} else {
			fputs(in_para ? "\n" : "<p>", f);
			in_para = true;
			put_inline(f, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (in_list)
		fputs("</ul>\n", f);
	if (in_table)
		fputs("</tbody></table></div>\n", f);
	if (in_para)
		fputs("</p>\n", f);
	if (in_code)
		fputs("</pre>\n", f);
	fputs("</div>\n", f);
}

char *vcl_report_html(const struct vcl_rdoc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned fignum = 0;

	if (f == NULL)
		abort();
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      /* Nothing may be fetched: the page is complete as it is. */
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<title>",
	      f);
	put_esc(f, d->title, SIZE_MAX);
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n", css);
	for (size_t i = 0; i < d->n; i++) {
		const struct vcl_rblock *b = &d->b[i];

		switch (b->kind) {
		case VCL_RB_HEADING:
			if (b->id != NULL && *b->id != '\0')
				fprintf(f, "<h%d id=\"%s\">", b->level, b->id);
			else
				fprintf(f, "<h%d>", b->level);
			put_text(f, b->text);
			fprintf(f, "</h%d>\n", b->level);
			if (b->level == 1) {
				/* Contents: every second-level heading. */
				fputs("<nav class=\"toc\"><strong>Contents:</strong> ", f);
				for (size_t k = 0; k < d->n; k++) {
					if (d->b[k].kind != VCL_RB_HEADING || d->b[k].level != 2)
						continue;
					fprintf(f, "<a href=\"#%s\">", d->b[k].id);
					put_text(f, d->b[k].text);
					fputs("</a> ", f);
				}
				fputs("</nav>\n", f);
			}
			break;
		case VCL_RB_PARA:
			fputs("<p>", f);
			put_text(f, b->text);
			fputs("</p>\n", f);
			break;
		case VCL_RB_LIST:
			fputs("<ul>\n", f);
			for (size_t r = 0; r < b->rows; r++) {
				fputs("<li>", f);
				put_text(f, b->cells[r]);
				fputs("</li>\n", f);
			}
			fputs("</ul>\n", f);
			break;
		case VCL_RB_TABLE:
			put_table(f, b);
			break;
		case VCL_RB_DETAILS:
			fputs("<details>\n<summary>", f);
			put_text(f, b->text);
			fputs("</summary>\n", f);
			put_table(f, b);
			fputs("</details>\n", f);
			break;
		case VCL_RB_FIGURE:
			put_figure(f, b->fig, ++fignum);
			break;
		case VCL_RB_CAVEAT:
			fputs("<aside class=\"caveat\" role=\"note\">", f);
			put_text(f, b->text);
			fputs("</aside>\n", f);
			break;
		case VCL_RB_WARNING:
			fputs("<aside class=\"warning\" role=\"alert\"><strong>Warning.</strong> ",
			      f);
			put_text(f, b->text);
			fputs("</aside>\n", f);
			break;
		case VCL_RB_BIGFACT:
			fputs("<p class=\"bigfact\">", f);
			put_text(f, b->text);
			fputs("</p>\n", f);
			break;
		case VCL_RB_MARKDOWN:
			put_markdown(f, b->text);
			break;
		}
	}
	fputs("</main>\n</body>\n</html>\n", f);
	fclose(f);
	return buf;
}
