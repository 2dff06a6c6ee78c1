/* SPDX-License-Identifier: MIT */
#include "bench/backends.h"

#include <string.h>

#include "bare/bare.h"
#include "bench/labnet.h"
#include "core/cgroup.h"
#include "core/ksm.h"
#include "core/ledger.h"
#include "core/cleanup.h"
#ifdef VCL_WITH_CTR
#include "ctr/ctr.h"
#endif
#ifdef VCL_WITH_VM
#include "vmm/vmm.h"
#endif

const struct vcl_backend_ops *const vcl_backends[] = {
    &vcl_bare_ops,
#ifdef VCL_WITH_CTR
    &vcl_ctr_ops,
#endif
#ifdef VCL_WITH_VM
    &vcl_vm_ops,
    &vcl_vm_iaas_ops,
#endif
#ifdef VCL_WITH_CTR
    /* The last placement: the n-th backend takes the n-th figure colour,
     * so bare, ctr and the VMs keep theirs. */
    &vcl_gvisor_ops,
#endif
#ifdef VCL_WITH_CTR
    &vcl_runc_ops,
    &vcl_crun_ops,
#endif
#ifdef VCL_WITH_VM
    &vcl_qemu_direct_ops,
    &vcl_qemu_direct_iaas_ops,
#endif
#ifdef VCL_WITH_CTR
    &vcl_podman_ops, /* opt-in: run only when named with --peer */
    &vcl_docker_ops,
#endif
    NULL,
};

const struct vcl_backend_ops *vcl_backends_find(const char *name)
{
	return name != NULL ? vcl_backend_find(vcl_backends, name) : NULL;
}

int vcl_backends_gvisor_platform(const char *platform, struct vcl_error **err)
{
#ifdef VCL_WITH_CTR
	return vcl_gvisor_want_platform(platform, err);
#else
	if (platform == NULL || strcmp(platform, "auto") == 0)
		return 0;
	return vcl_usage(err, "--gvisor-platform %s: the gvisor placement is not built in",
			 platform);
#endif
}

const char *vcl_backends_baseline(void)
{
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if ((*b)->baseline)
			return (*b)->name;
	return "";
}

/* One slot per backend, one for "none", one for the NULL. */
#define NWORDS (ARRAY_SIZE(vcl_backends) + 1)

static const char *const *words(const char **w, bool peers)
{
	size_t n = 0;

	if (w[0] != NULL)
		return w;
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if ((*b)->is_peer == peers)
			w[n++] = (*b)->name;
	if (peers)
		w[n++] = "none";
	w[n] = NULL;
	return w;
}

const char *const *vcl_backends_placement_words(void)
{
	static const char *w[NWORDS];

	return words(w, false);
}

const char *const *vcl_backends_peer_words(void)
{
	static const char *w[NWORDS];

	return words(w, true);
}

const struct vcl_host_hooks vcl_backends_host_hooks = {
#ifdef VCL_WITH_VM
    .kvm_usable = vcl_vmm_kvm_usable,
#endif
};

/* The kinds of ledger record core defines (every part uses some). */
static const struct vcl_ledger_kind *const core_kinds[] = {
    &vcl_ledger_kind_pid,
    &vcl_ledger_kind_dir,
    &vcl_ledger_kind_file,
    &vcl_ledger_kind_mount,
    &vcl_cgroup_ledger_kind,
    &vcl_ksm_ledger_kind,
    &vcl_labnet_ledger_kind, /* bench's own: the net scenario's veth */
    NULL,
};

static int register_kinds(struct vcl_ledger_kinds *kinds, const struct vcl_ledger_kind *const *k,
			  struct vcl_error **err)
{
	for (; k != NULL && *k != NULL; k++)
		if (vcl_ledger_register(kinds, *k, err) < 0)
			return -1;
	return 0;
}

int vcl_backends_init(struct vcl_ledger_kinds *kinds, struct vcl_error **err)
{
	if (register_kinds(kinds, core_kinds, err) < 0)
		return -1;
	for (const struct vcl_backend_ops *const *b = vcl_backends; *b != NULL; b++)
		if (register_kinds(kinds, (*b)->kinds, err) < 0)
			return vcl_error_wrap(err, "Backend %s", (*b)->name);
	return 0;
}
