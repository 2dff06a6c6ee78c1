/* SPDX-License-Identifier: MIT */
/*
 * The host side of the one VM guest description (vmm.h, "the guest"): a
 * run's guest made and dropped, an instance's folder, console and overlay.
 * vm (libvirt) and qemu-direct both call these, so the two ways of booting
 * differ only in how QEMU is started; what the machine is comes from here
 * and from the pure vcl_vm_guest_placed/vcl_vm_machine_init in xml.c.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cgroup.h"
#include "core/ledger.h"
#include "core/sample.h"
#include "core/util.h"

/* Where the guest files come from, before any copy. */
static int guest_sources(struct vcl_vm_guest *g, const struct vcl_spec *spec,
			 struct vcl_error **err)
{
	if (g->profile == VCL_VM_PROFILE_IAAS)
		/* One image: kernel, initrd and root disk from `make
		 * guest-iaas`, whatever --kernel/--initrd say. */
		return vcl_vmm_iaas_image(&g->kernel, &g->initrd, &g->disk, err);
	if (spec->kernel != NULL)
		g->kernel = strdup(spec->kernel);
	else if (vcl_vmm_guest_kernel(&g->kernel, err) < 0)
		return -1;
	if (spec->initrd != NULL)
		g->initrd = strdup(spec->initrd);
	else if (vcl_vmm_guest_file("initramfs.cpio.gz", &g->initrd, err) < 0)
		return -1;
	if (g->kernel == NULL || g->initrd == NULL)
		return vcl_fail(err, ENOMEM, "VM guest");
	return 0;
}

/* The root image where libvirt's QEMU can read it: a hard link (same file
 * system: no copy of a 1 GiB image), else a copy. It is only ever the
 * read-only backing file of the instances' overlays. */
static int link_or_copy(const char *src, const char *dst, struct vcl_error **err)
{
	if (link(src, dst) == 0)
		return 0;
	if (errno != EXDEV && errno != EPERM)
		return vcl_fail(err, errno, "Link %s to %s", src, dst);
	return vcl_vmm_copy_file(src, dst, err);
}

/* Move src's strings into g (src is left empty). */
static void guest_take(struct vcl_vm_guest *g, struct vcl_vm_guest *src)
{
	*g = *src;
	memset(src, 0, sizeof(*src));
}

int vcl_vm_guest_prepare(struct vcl_vm_guest *g, enum vcl_vm_profile p, const struct vcl_spec *spec,
			 const char *dir, bool place, struct vcl_error **err)
{
	struct vcl_vm_guest src = {.profile = p};

	memset(g, 0, sizeof(*g));
	g->profile = p;
	if (guest_sources(&src, spec, err) < 0)
		goto fail;
	if (dir == NULL) {
		guest_take(g, &src);
		return 0;
	}
	if (place) {
		if (vcl_vm_guest_placed(&src, dir, g, err) < 0)
			goto fail;
	} else {
		guest_take(g, &src);
		g->dir = strdup(dir);
		if (g->dir == NULL) {
			vcl_fail(err, ENOMEM, "VM guest");
			goto fail;
		}
	}
	if (vcl_ledger_add(spec->ledger, err, "dir %s", g->dir) < 0)
		goto fail;
	g->made = true;
	if (vcl_mkdir_p(g->dir, err) < 0)
		goto fail;
	if (place && (vcl_vmm_copy_file(src.kernel, g->kernel, err) < 0 ||
		      vcl_vmm_copy_file(src.initrd, g->initrd, err) < 0 ||
		      (src.disk != NULL && link_or_copy(src.disk, g->disk, err) < 0)))
		goto fail;
	/* The service's disks next to the kernel: libvirt's QEMU user reads
	 * them there (place); plain QEMU runs as root and reads the cached
	 * disk itself. */
	if (spec->svc != NULL && vcl_vmm_svc_files(spec->ledger, spec->svc, g->dir, place,
						   &g->svc_disk, &g->svc_cfg, g->pod_disk, err) < 0)
		goto fail;
	vcl_vm_guest_free(&src);
	return 0;
fail:
	vcl_vm_guest_free(&src);
	vcl_vm_guest_free(g);
	return -1;
}

void vcl_vm_guest_free(struct vcl_vm_guest *g)
{
	enum vcl_vm_profile profile = g->profile;

	if (g->made && g->dir != NULL)
		vcl_rm_rf(g->dir, NULL);
	free(g->dir);
	free(g->kernel);
	free(g->initrd);
	free(g->disk);
	free(g->svc_disk);
	free(g->svc_cfg);
	for (size_t i = 0; i < VCL_VM_POD_DISKS; i++)
		free(g->pod_disk[i]);
	memset(g, 0, sizeof(*g));
	g->profile = profile;
}

int vcl_vm_machine_files(struct vcl_vm_machine *m, const struct vcl_vm_guest *g,
			 struct vcl_ledger *ledger, struct vcl_instance *inst,
			 struct vcl_error **err)
{
	if (g->dir == NULL)
		return 0; /* a remote libvirtd: no console file, no overlay */
	if (asprintf(&m->dir, "%s/%s", g->dir, inst->name) < 0) {
		m->dir = NULL;
		return vcl_fail(err, ENOMEM, "Folder of %s", inst->name);
	}
	if (vcl_serial_watch_init(&m->sw, m->dir, err) < 0)
		return -1;
	m->have_sw = true;
	m->o.serial_path = m->sw.path;
	/* The service writes to the console: its last lines are what the
	 * probe quotes when it fails. */
	if (inst->svc != NULL)
		snprintf(inst->log_path, sizeof(inst->log_path), "%s", m->sw.path);
	/* The instance's writes go to its own qcow2 overlay (ledger: file),
	 * removed with its folder; the shared image stays as built. */
	if (g->disk != NULL &&
	    vcl_vmm_root_overlay(ledger, &m->o, g->disk, m->dir, &m->overlay, err) < 0)
		return -1;
	/* A volume on the host's disk: the instance's own data disk, after
	 * the service's disks (the letter the description names). */
	for (size_t i = 0; inst->svc != NULL && i < inst->svc->nvols; i++)
		if (inst->svc->vols[i].host_dir != NULL)
			return vcl_vmm_data_disk(ledger, &m->o, m->dir, &m->data, err);
	return 0;
}

void vcl_vm_machine_free(struct vcl_vm_machine *m, const struct vcl_instance *inst)
{
	/* ready_fd is the watch's inotify fd: closed once, by the instance. */
	if (inst != NULL && inst->ready_fd == m->sw.ifd)
		m->sw.ifd = -1;
	vcl_serial_watch_free(&m->sw);
	m->have_sw = false;
	if (m->dir != NULL)
		vcl_rm_rf(m->dir, NULL);
	free(m->dir);
	m->dir = NULL;
	free(m->overlay);
	m->overlay = NULL;
	free(m->data);
	m->data = NULL;
}

int vcl_vmm_sample_qemu(const struct vcl_instance *inst, struct vcl_cgroup *cg, const char *no_pid,
			const char *no_cg, struct vcl_mem *mem, struct vcl_error **err)
{
	struct vcl_cg_stats st;

	memset(mem, 0, sizeof(*mem));
	if (inst->pid <= 0)
		return vcl_fail(err, 0, "Sample %s: %s", inst->name, no_pid);
	if (vcl_sample_pids(&inst->pid, 1, mem, err) < 0)
		return vcl_error_wrap(err, "Sample %s", inst->name);
	if (cg == NULL) {
		vcl_mem_no_cgroup(mem, no_cg);
		return 0;
	}
	if (vcl_cgroup_stats(cg, &st, err) < 0)
		return vcl_error_wrap(err, "Sample %s", inst->name);
	vcl_mem_set_cgroup(mem, &st);
	return 0;
}

int vcl_vmm_destroy(struct vcl_instance *inst,
		    int (*release)(struct vcl_instance *inst, struct vcl_error **err),
		    struct vcl_error **err)
{
	int ret = 0;

	if (inst == NULL)
		return 0;
	if (inst->priv != NULL)
		ret = release(inst, err);
	free(inst->priv);
	inst->priv = NULL;
	vcl_instance_free(inst);
	return ret;
}
