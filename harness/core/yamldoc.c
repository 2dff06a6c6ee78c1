/* SPDX-License-Identifier: MIT */
#include "core/yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cleanup.h"
#include "core/util.h"

static int parser_error(struct vcl_error **err, const char *name, const yaml_parser_t *p)
{
	/* problem_mark is where libyaml noticed; context_mark where the
	 * enclosing construct began. Both 0-based. */
	const yaml_mark_t *m = &p->problem_mark;

	if (p->context != NULL)
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s:%zu:%zu: %s (%s at line %zu)", name,
				     m->line + 1, m->column + 1,
				     p->problem != NULL ? p->problem : "syntax error", p->context,
				     p->context_mark.line + 1);
	return vcl_error_set(err, VCL_E_USAGE, 0, "%s:%zu:%zu: %s", name, m->line + 1,
			     m->column + 1, p->problem != NULL ? p->problem : "syntax error");
}

int vcl_yaml_load_buffer(const char *name, const char *buf, size_t len, struct vcl_yaml **out,
			 struct vcl_error **err)
{
	yaml_parser_t parser;
	struct vcl_yaml *y;
	int ret = -1;

	y = calloc(1, sizeof(*y));
	if (y == NULL || (y->name = strdup(name)) == NULL) {
		free(y);
		return vcl_fail(err, ENOMEM, "Load %s", name);
	}
	if (!yaml_parser_initialize(&parser)) {
		vcl_yaml_free(y);
		return vcl_fail(err, ENOMEM, "Initialise YAML parser for %s", name);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	for (;;) {
		yaml_document_t doc;
		yaml_document_t *grown;

		if (!yaml_parser_load(&parser, &doc)) {
			parser_error(err, name, &parser);
			goto out;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);

		/* "---" with nothing after it yields an empty plain scalar. */
		if (root == NULL ||
		    (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0 &&
		     root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)) {
			/* An empty document marks the end of the stream; empty
			 * documents in between ("---\n---") are skipped too. */
			yaml_document_delete(&doc);
			if (parser.stream_end_produced)
				break;
			continue;
		}
		grown = realloc(y->docs, (y->ndocs + 1) * sizeof(*grown));
		if (grown == NULL) {
			yaml_document_delete(&doc);
			vcl_fail(err, ENOMEM, "Load %s", name);
			goto out;
		}
		y->docs = grown;
		y->docs[y->ndocs++] = doc;
	}
	*out = y;
	y = NULL;
	ret = 0;
out:
	yaml_parser_delete(&parser);
	vcl_yaml_free(y);
	return ret;
}

int vcl_yaml_load_file(const char *path, struct vcl_yaml **out, struct vcl_error **err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (vcl_read_file(path, &buf, &len, err) < 0) {
		return vcl_error_set_kind(err, VCL_E_USAGE);
	}
	return vcl_yaml_load_buffer(path, buf, len, out, err);
}

void vcl_yaml_free(struct vcl_yaml *y)
{
	if (y == NULL)
		return;
	for (size_t i = 0; i < y->ndocs; i++)
		yaml_document_delete(&y->docs[i]);
	free(y->docs);
	free(y->name);
	free(y);
}

yaml_node_t *vcl_yaml_root(struct vcl_yaml *y, size_t i)
{
	if (y == NULL || i >= y->ndocs)
		return NULL;
	return yaml_document_get_root_node(&y->docs[i]);
}

yaml_node_t *vcl_yaml_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

const char *vcl_yaml_str(yaml_node_t *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

size_t vcl_yaml_seq_len(yaml_node_t *seq)
{
	if (seq == NULL || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *vcl_yaml_seq_at(yaml_document_t *doc, yaml_node_t *seq, size_t i)
{
	if (i >= vcl_yaml_seq_len(seq))
		return NULL;
	return yaml_document_get_node(doc, seq->data.sequence.items.start[i]);
}

/* The message on one line: a value quoted from the file may hold a
 * newline or a tab (a YAML "HELLO\r\n"), and a message is one line that
 * names file:line:col (found by fuzz_services). Control bytes are written
 * as C escapes. */
static int vmsg(char **out, const char *fmt, va_list ap)
{
	char *raw = NULL, *o;
	size_t n = 0;

	if (vasprintf(&raw, fmt, ap) < 0)
		return -1;
	for (const char *c = raw; *c != '\0'; c++)
		n += (unsigned char)*c < 0x20 || *c == 0x7f ? 4 : 1;
	o = malloc(n + 1);
	if (o == NULL) {
		free(raw);
		return -1;
	}
	*out = o;
	for (const char *c = raw; *c != '\0'; c++) {
		unsigned char u = (unsigned char)*c;

		if (u == '\n' || u == '\r' || u == '\t')
			o += sprintf(o, "\\%c", u == '\n' ? 'n' : u == '\r' ? 'r' : 't');
		else if (u < 0x20 || u == 0x7f)
			o += sprintf(o, "\\x%02x", u);
		else
			*o++ = (char)u;
	}
	*o = '\0';
	free(raw);
	return 0;
}

int vcl_yaml_error(struct vcl_error **err, const struct vcl_yaml *y, const yaml_node_t *n,
		   const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vmsg(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (n == NULL)
		return vcl_error_set(err, VCL_E_USAGE, 0, "%s: %s", y->name, msg ? msg : fmt);
	return vcl_error_set(err, VCL_E_USAGE, 0, "%s:%zu:%zu: %s", y->name, n->start_mark.line + 1,
			     n->start_mark.column + 1, msg ? msg : fmt);
}

void vcl_yaml_warn(const struct vcl_yaml *y, const yaml_node_t *n, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vmsg(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (n != NULL)
		vcl_warn("%s:%zu:%zu: %s", y->name, n->start_mark.line + 1,
			 n->start_mark.column + 1, msg != NULL ? msg : fmt);
	else
		vcl_warn("%s: %s", y->name, msg != NULL ? msg : fmt);
}

int vcl_yaml_double(const struct vcl_yaml *y, yaml_node_t *n, double min, double max, double *out,
		    struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);
	double v;

	if (s == NULL)
		return vcl_yaml_error(err, y, n, "expected a number");
	if (vcl_parse_double(s, -INFINITY, INFINITY, &v) < 0)
		return vcl_yaml_error(err, y, n, "'%s' is not a number", s);
	if (v < min || v > max)
		return vcl_yaml_error(err, y, n, "%s is out of range [%g, %g]", s, min, max);
	*out = v;
	return 0;
}

int vcl_yaml_bool(const struct vcl_yaml *y, yaml_node_t *n, bool *out, struct vcl_error **err)
{
	const char *s = vcl_yaml_str(n);

	if (s != NULL && (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0)) {
		*out = true;
		return 0;
	}
	if (s != NULL && (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0)) {
		*out = false;
		return 0;
	}
	return vcl_yaml_error(err, y, n, "expected true or false");
}
