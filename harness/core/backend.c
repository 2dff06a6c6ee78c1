/* SPDX-License-Identifier: MIT */
#include "core/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"

const char *vcl_family_name(enum vcl_family f)
{
	static const char *const names[] = {
	    [VCL_FAMILY_PROCESS] = "process",
	    [VCL_FAMILY_CONTAINER] = "container",
	    [VCL_FAMILY_SANDBOX] = "sandbox",
	    [VCL_FAMILY_VM] = "vm",
	};

	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "?";
}

const struct vcl_backend_ops *vcl_backend_find(const struct vcl_backend_ops *const *table,
					       const char *name)
{
	for (; *table != NULL; table++)
		if (strcmp((*table)->name, name) == 0)
			return *table;
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
	inst->svc = spec->svc;
	return inst;
}

void vcl_instance_free(struct vcl_instance *inst)
{
	if (inst == NULL)
		return;
	vcl_closep(&inst->ready_fd);
	vcl_closep(&inst->exit_fd);
	vcl_closep(&inst->ep.netns_fd);
	if (inst->log_path[0] != '\0')
		unlink(inst->log_path);
	free(inst);
}
