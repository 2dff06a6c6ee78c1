/* SPDX-License-Identifier: MIT */
#ifndef VCL_JSONPOS_H
#define VCL_JSONPOS_H

/*
 * Where a value sits in JSON text. json-c builds the tree but keeps no
 * positions, so a reader that finds a wrongly typed value cannot say on
 * which line it is. This is a second, tiny pass over the same text: a
 * recursive-descent scanner that follows one path and returns the byte
 * offset of the value it names. Pure: no allocation, no I/O.
 *
 * A path is a list of steps: object member names (compared after JSON
 * unescaping, as json-c stores them) or decimal array indices. Where a
 * member name occurs twice the last one counts, as in json-c.
 */

#include <stddef.h>

/* Deepest nesting the scanner follows; json-c's own default is 32. */
#define VCL_JSONPOS_MAX_DEPTH 64

/* Follow steps[0..nsteps) in text. Returns how many steps were found
 * (nsteps when the whole path exists) and sets *off to the first byte of the
 * deepest value found (the document itself when no step matched). Returns
 * -1 when the text is not JSON the scanner can follow. */
int vcl_json_locate(const char *text, size_t len, const char *const *steps, size_t nsteps,
		    size_t *off);

/* 1-based line and column (in bytes) of byte offset off in text. */
void vcl_text_line_col(const char *text, size_t len, size_t off, size_t *line, size_t *col);

#endif
