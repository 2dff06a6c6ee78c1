/* SPDX-License-Identifier: MIT */
#include "core/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"

/* Weak: a backend whose folder is not built simply is not offered. */

extern const struct vcl_backend_ops vcl_ctr_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_vm_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_runc_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_crun_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_qemu_direct_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_podman_ops __attribute__((weak));
extern const struct vcl_backend_ops vcl_docker_ops __attribute__((weak));

static const struct vcl_backend_ops *const *table(unsigned *n)
{
	static const struct vcl_backend_ops *all[12];
	static unsigned count;

	if (count == 0) {
		const struct vcl_backend_ops *cands[] = {
		    &vcl_bare_ops, &vcl_ctr_ops,	 &vcl_vm_ops,	  &vcl_runc_ops,
		    &vcl_crun_ops, &vcl_qemu_direct_ops, &vcl_podman_ops, &vcl_docker_ops,
		};
		for (unsigned i = 0; i < ARRAY_SIZE(cands); i++)
			if (cands[i] != NULL)
				all[count++] = cands[i];
	}
	*n = count;
	return all;
}

const struct vcl_backend_ops *vcl_backend_at(unsigned i)
{
	unsigned n;
	const struct vcl_backend_ops *const *all = table(&n);

	return i < n ? all[i] : NULL;
}

const struct vcl_backend_ops *vcl_backend_find(const char *name)
{
	const struct vcl_backend_ops *b;

	for (unsigned i = 0; (b = vcl_backend_at(i)) != NULL; i++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

struct vcl_instance *vcl_instance_new(const struct vcl_backend_ops *ops,
				      const struct vcl_spec *spec)
{
	struct vcl_instance *inst = calloc(1, sizeof(*inst));

	if (inst == NULL)
		return NULL;
	inst->ops = ops;
	inst->index = spec->index;
	snprintf(inst->name, sizeof(inst->name), "vclab-%s-%u", spec->run_id, spec->index);
	inst->ready_fd = -1;
	inst->exit_fd = -1;
	inst->ep.netns_fd = -1;
	inst->pid = -1;
	return inst;
}

void vcl_instance_free(struct vcl_instance *inst)
{
	if (inst == NULL)
		return;
	vcl_closep(&inst->ready_fd);
	vcl_closep(&inst->exit_fd);
	vcl_closep(&inst->ep.netns_fd);
	free(inst);
}
