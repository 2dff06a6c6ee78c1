/* SPDX-License-Identifier: MIT */
/*
 * The report document as markdown (GitHub flavour: pipe tables). Text blocks
 * are already in the report's inline markup, which is a subset of markdown,
 * so they are written as they are; only figure captions are escaped here.
 */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

/* Escape caption text (plain prose) for markdown. */
static void put_plain(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (strchr("\\*`[]_|<>", *s) != NULL)
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void put_table(FILE *f, const struct vcl_rblock *b)
{
	for (size_t r = 0; r < b->rows; r++) {
		fputc('|', f);
		for (size_t c = 0; c < b->cols; c++)
			fprintf(f, " %s |", b->cells[r * b->cols + c]);
		fputc('\n', f);
		if (r == 0) {
			fputc('|', f);
			for (size_t c = 0; c < b->cols; c++)
				fputs((b->numeric >> c) & 1u ? " ---: |" : " --- |", f);
			fputc('\n', f);
		}
	}
	fputc('\n', f);
}

static void put_figure(FILE *f, const struct vcl_report_fig *fig, unsigned num)
{
	if (fig->svg != NULL) {
		fprintf(f, "![Figure %u](figures/%s.png)\n\n", num, fig->name);
		fprintf(f, "*Figure %u.* ", num);
		put_plain(f, fig->caption);
		fprintf(f, " ([SVG](figures/%s.svg), [gnuplot script](figures/%s.gp))\n\n",
			fig->name, fig->name);
		return;
	}
	fprintf(f, "*Figure %u (%s) was not drawn: ", num, fig->name);
	put_plain(f, fig->problem != NULL ? fig->problem : "gnuplot did not run");
	fprintf(f, ".* Its script is `figures/%s.gp`; it would have shown: ", fig->name);
	put_plain(f, fig->caption);
	fprintf(f, "\n\n");
}

char *vcl_report_markdown(const struct vcl_rdoc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned fignum = 0;

	if (f == NULL)
		abort();
	for (size_t i = 0; i < d->n; i++) {
		const struct vcl_rblock *b = &d->b[i];

		switch (b->kind) {
		case VCL_RB_HEADING:
			for (int l = 0; l < b->level; l++)
				fputc('#', f);
			fprintf(f, " %s\n\n", b->text);
			break;
		case VCL_RB_PARA:
			fprintf(f, "%s\n\n", b->text);
			break;
		case VCL_RB_LIST:
			for (size_t r = 0; r < b->rows; r++)
				fprintf(f, "- %s\n", b->cells[r]);
			fputc('\n', f);
			break;
		case VCL_RB_TABLE:
			put_table(f, b);
			break;
		case VCL_RB_DETAILS:
			/* GitHub renders markdown inside <details> when blank lines
			 * set it apart from the tags. */
			fprintf(f, "<details>\n<summary>%s</summary>\n\n", b->text);
			put_table(f, b);
			fprintf(f, "</details>\n\n");
			break;
		case VCL_RB_FIGURE:
			put_figure(f, b->fig, ++fignum);
			break;
		case VCL_RB_CAVEAT:
			fprintf(f, "> **Caveat.** %s\n\n", b->text);
			break;
		case VCL_RB_WARNING:
			fprintf(f, "> **Warning.** %s\n\n", b->text);
			break;
		case VCL_RB_BIGFACT:
			fprintf(f, "### %s\n\n", b->text);
			break;
		case VCL_RB_MARKDOWN: {
			size_t tl = strlen(b->text);

			fputs(b->text, f);
			fputs(tl > 0 && b->text[tl - 1] == '\n' ? "\n" : "\n\n", f);
			break;
		}
		}
	}
	fclose(f);
	/* One trailing newline, not two. */
	while (len > 1 && buf[len - 1] == '\n' && buf[len - 2] == '\n')
		buf[--len] = '\0';
	return buf;
}
