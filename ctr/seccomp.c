/* SPDX-License-Identifier: MIT */
/* The syscall filter of ctr containers (and, as OCI JSON, of the runc and
 * crun peers): everything is allowed but the calls that reach past the
 * namespaces into the shared kernel (modules, kexec, keyrings, bpf, perf,
 * ptrace of others, new mounts and namespaces, clocks, swap, reboot). The
 * list follows the blocked set of the common container defaults; a denied
 * call fails with EPERM, clone3 with ENOSYS so libc falls back to clone,
 * whose namespace flags are then checked. */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/cleanup.h"
#include "ctr/ctr.h"

const char *const vcl_seccomp_denied[] = {
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "init_module",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "ioperm",
    "iopl",
    "kcmp",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mount",
    "mount_setattr",
    "move_mount",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "process_vm_readv",
    "process_vm_writev",
    "ptrace",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "setns",
    "settimeofday",
    "swapoff",
    "swapon",
    "syslog",
    "sysfs",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vhangup",
    NULL,
};

/* clone() with any of these fails: no new namespace from inside. */
const unsigned long vcl_seccomp_clone_ns[] = {
    CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,	 CLONE_NEWUSER,
    CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP, 0,
};

/* One OCI rule: the calls in names (NULL-terminated) fail with errnum,
 * when args (NULL: always) match. */
static struct json_object *oci_rule(const char *const *names, int errnum, struct json_object *args)
{
	struct json_object *r = json_object_new_object(), *n = json_object_new_array();

	for (size_t i = 0; names[i] != NULL; i++)
		json_object_array_add(n, json_object_new_string(names[i]));
	json_object_object_add(r, "names", n);
	json_object_object_add(r, "action", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(r, "errnoRet", json_object_new_int(errnum));
	if (args != NULL)
		json_object_object_add(r, "args", args);
	return r;
}

struct json_object *vcl_seccomp_oci(void)
{
	static const char *const clone3[] = {"clone3", NULL}, *const clone[] = {"clone", NULL};
	struct json_object *sc = json_object_new_object(), *rules = json_object_new_array();
	struct json_object *arch = json_object_new_array();

	json_object_object_add(sc, "defaultAction", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(arch, json_object_new_string("SCMP_ARCH_X86_64"));
	json_object_object_add(sc, "architectures", arch);
	json_object_array_add(rules, oci_rule(vcl_seccomp_denied, EPERM, NULL));
	json_object_array_add(rules, oci_rule(clone3, ENOSYS, NULL));
	for (size_t i = 0; vcl_seccomp_clone_ns[i] != 0; i++) {
		struct json_object *args = json_object_new_array(), *a = json_object_new_object();
		uint64_t flag = vcl_seccomp_clone_ns[i];

		json_object_object_add(a, "index", json_object_new_int(0));
		json_object_object_add(a, "value", json_object_new_uint64(flag));
		json_object_object_add(a, "valueTwo", json_object_new_uint64(flag));
		json_object_object_add(a, "op", json_object_new_string("SCMP_CMP_MASKED_EQ"));
		json_object_array_add(args, a);
		json_object_array_add(rules, oci_rule(clone, EPERM, args));
	}
	json_object_object_add(sc, "syscalls", rules);
	return sc;
}

static void ctx_release(scmp_filter_ctx *c)
{
	if (*c != NULL)
		seccomp_release(*c);
}

int vcl_seccomp_build(struct sock_fprog *prog, struct vcl_error **err)
{
	__attribute__((cleanup(ctx_release))) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	cleanup_close int fd = -1;
	struct stat st;
	void *buf;
	int r;

	memset(prog, 0, sizeof(*prog));
	if (ctx == NULL)
		return vcl_fail(err, ENOMEM, "Create the seccomp filter");
	/* The child sets no_new_privs itself, as its own step. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; r == 0 && vcl_seccomp_denied[i] != NULL; i++) {
		int nr = seccomp_syscall_resolve_name(vcl_seccomp_denied[i]);

		if (nr == __NR_SCMP_ERROR)
			return vcl_fail(err, EINVAL, "Seccomp: unknown syscall '%s'",
					vcl_seccomp_denied[i]);
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0)
			return vcl_fail(err, -r, "Seccomp: deny %s", vcl_seccomp_denied[i]);
	}
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	for (size_t i = 0; r == 0 && vcl_seccomp_clone_ns[i] != 0; i++)
		r = seccomp_rule_add(
		    ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, vcl_seccomp_clone_ns[i], vcl_seccomp_clone_ns[i]));
	if (r < 0)
		return vcl_fail(err, -r, "Seccomp: add the clone rules");

	/* The BPF program, made once here, so the container's child only
	 * hands it to the kernel (no allocation after fork). */
	fd = memfd_create("vclab-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return vcl_fail(err, errno, "Seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return vcl_fail(err, -r, "Seccomp: export the BPF program");
	if (fstat(fd, &st) < 0)
		return vcl_fail(err, errno, "Seccomp: fstat");
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size / (off_t)sizeof(struct sock_filter) > 0xffff)
		return vcl_fail(err, EINVAL, "Seccomp: BPF program of %lld bytes",
				(long long)st.st_size);
	buf = malloc((size_t)st.st_size);
	if (buf == NULL)
		return vcl_fail(err, ENOMEM, "Seccomp: BPF program");
	if (pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return vcl_fail(err, EIO, "Seccomp: read back the BPF program");
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}
