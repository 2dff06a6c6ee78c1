/* SPDX-License-Identifier: MIT */
#include "core/launch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ledger.h"
#include "core/util.h"

/* The steps after allocation; -1 at the first that fails. */
static int run_steps(const struct vcl_launch_hooks *h, struct vcl_launch *l, struct vcl_error **err)
{
	struct vcl_instance *inst = l->inst;
	int r;

	if (h->setup != NULL && h->setup(l, err) < 0)
		return -1;
	inst->t.start = vcl_now_ns();
	r = h->start(l, err);
	inst->t.created = vcl_now_ns();
	if (r < 0)
		return -1;
	if (h->record_pid && inst->pid > 0 &&
	    vcl_ledger_add_pid(l->spec->ledger, inst->pid, err) < 0)
		return -1;
	if (h->finish != NULL && h->finish(l, err) < 0)
		return -1;
	return 0;
}

int vcl_launch(const struct vcl_launch_hooks *h, struct vcl_launch *l, struct vcl_instance **out,
	       struct vcl_error **err)
{
	struct vcl_instance *inst = vcl_instance_new(l->ops, l->spec);
	void *priv = h->priv_size > 0 ? calloc(1, h->priv_size) : NULL;

	if (inst == NULL || (h->priv_size > 0 && priv == NULL)) {
		free(priv);
		vcl_instance_free(inst);
		return vcl_fail(err, ENOMEM, "Launch %s%s%s", l->who != NULL ? l->who : "",
				l->who != NULL ? " " : "",
				h->what != NULL ? h->what : l->ops->name);
	}
	if (priv != NULL && h->priv_init != NULL)
		memcpy(priv, h->priv_init, h->priv_size);
	inst->priv = priv;
	l->inst = inst;
	l->priv = priv;
	if (run_steps(h, l, err) == 0) {
		*out = inst;
		return 0;
	}
	if (h->undo != NULL)
		h->undo(l, err);
	if (h->what != NULL)
		vcl_error_wrap(err, "Launch %s%s%s %s", l->who != NULL ? l->who : "",
			       l->who != NULL ? " " : "", h->what, inst->name);
	free(priv);
	vcl_instance_free(inst);
	l->inst = NULL;
	l->priv = NULL;
	return -1;
}

int vcl_launch_record(struct vcl_launch *l, struct vcl_error **err, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return vcl_fail(err, EOVERFLOW, "Ledger record too long");
	return vcl_ledger_add(l->spec->ledger, err, "%s", line);
}
