/* SPDX-License-Identifier: MIT */
/*
 * Pure: containerd's CRI defaults and the securityContext mapping, shared
 * by ctr (the child's setup), the runc and crun peers (config.json) and
 * podman (its run flags). docs/ctr.md lists what still differs.
 */
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "ctr/ctr.h"

/* containerd's default capability set (its default OCI spec, which the
 * CRI plugin starts from), by number. */
static const unsigned default_caps[] = {
    CAP_CHOWN,	 CAP_DAC_OVERRIDE, CAP_FSETID,		 CAP_FOWNER,
    CAP_MKNOD,	 CAP_NET_RAW,	   CAP_SETGID,		 CAP_SETUID,
    CAP_SETFCAP, CAP_SETPCAP,	   CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
    CAP_KILL,	 CAP_AUDIT_WRITE,
};

/* The OCI spec's default masked and read-only /proc and /sys paths, as
 * containerd sets them for an unprivileged container. */
const char *const vcl_cri_masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
    NULL,
};
const char *const vcl_cri_readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

uint64_t vcl_cri_default_caps(void)
{
	uint64_t m = 0;

	for (size_t i = 0; i < sizeof(default_caps) / sizeof(default_caps[0]); i++)
		m |= UINT64_C(1) << default_caps[i];
	return m;
}

uint64_t vcl_cri_all_caps(void)
{
	return CAP_LAST_CAP >= 63 ? UINT64_MAX : (UINT64_C(1) << (CAP_LAST_CAP + 1)) - 1;
}

static const struct vcl_security no_context;

static const struct vcl_security *ctx(const struct vcl_security *sec)
{
	return sec != NULL ? sec : &no_context;
}

/* containerd's order: add "ALL", drop "ALL", then each named one added and
 * each named one dropped (so ALL-but-one and none-but-one both work). */
uint64_t vcl_cri_caps(const struct vcl_security *sec, enum vcl_security_mode mode)
{
	const struct vcl_security *s = ctx(sec);
	uint64_t all = vcl_cri_all_caps();
	uint64_t caps = vcl_cri_default_caps();
	bool add_all = (s->cap_add & all) == all, drop_all = (s->cap_drop & all) == all;

	if (mode == VCL_SECURITY_STRICT)
		return 0;
	if (s->privileged)
		return all;
	if (add_all)
		caps = all;
	if (drop_all)
		caps = 0;
	if (!add_all)
		caps |= s->cap_add & all;
	if (!drop_all)
		caps &= ~s->cap_drop;
	return caps;
}

bool vcl_cri_read_only_root(const struct vcl_security *sec, enum vcl_security_mode mode)
{
	return mode == VCL_SECURITY_STRICT || ctx(sec)->read_only_root;
}

bool vcl_cri_no_new_privs(const struct vcl_security *sec, enum vcl_security_mode mode)
{
	const struct vcl_security *s = ctx(sec);

	if (mode == VCL_SECURITY_STRICT)
		return true;
	return !s->privileged && s->no_new_privs;
}

bool vcl_cri_seccomp(const struct vcl_security *sec, enum vcl_security_mode mode, bool no_seccomp)
{
	const struct vcl_security *s = ctx(sec);

	if (no_seccomp)
		return false;
	if (mode == VCL_SECURITY_STRICT)
		return true;
	return !s->privileged && s->seccomp == VCL_SECCOMP_RUNTIME_DEFAULT;
}

bool vcl_cri_masks(const struct vcl_security *sec, enum vcl_security_mode mode)
{
	return mode == VCL_SECURITY_STRICT || !ctx(sec)->privileged;
}

int vcl_cri_check_user(const struct vcl_security *sec, uid_t uid, char *why, size_t size)
{
	if (ctx(sec)->run_as_non_root && uid == 0) {
		snprintf(why, size,
			 "runAsNonRoot is set and the container would run as root (uid 0): "
			 "set runAsUser or a non-root USER in the image");
		return -1;
	}
	return 0;
}

int vcl_cri_svc_user(const struct vcl_svc_spec *svc, enum vcl_security_mode mode, uid_t *uid,
		     gid_t *gid, struct vcl_error **err)
{
	char why[256];

	vcl_svc_user(svc, uid, gid);
	if (mode == VCL_SECURITY_CRI && vcl_cri_check_user(&svc->sec, *uid, why, sizeof(why)) < 0)
		return vcl_usage(err, "Service %s: %s", svc->name, why);
	return 0;
}

int vcl_cri_cap_name(unsigned cap, char *buf, size_t size)
{
	char *n = cap_to_name((cap_value_t)cap);
	size_t i;

	if (n == NULL || size == 0)
		return -1;
	for (i = 0; n[i] != '\0' && i + 1 < size; i++)
		buf[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 'a' + 'A' : n[i]);
	buf[i] = '\0';
	cap_free(n);
	return 0;
}

const char *vcl_security_mode_name(enum vcl_security_mode mode)
{
	return mode == VCL_SECURITY_STRICT ? "strict" : "cri";
}
