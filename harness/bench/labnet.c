/* SPDX-License-Identifier: MIT */
/*
 * The lab network (labnet.h): a namespace vclab makes, and a veth pair from
 * it into a container's network namespace. iproute2's `ip` (a dependency
 * already: docs/fleet.md) makes the link: it speaks rtnetlink, which
 * vclab would otherwise hand-roll, and it runs inside the lab namespace
 * (setns in the child before exec), so no command ever runs against the
 * host's network namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/labnet.h"
#include "bench/resources.h"
#include "core/cleanup.h"
#include "core/proc.h"
#include "core/util.h"

#define NSFS_MAGIC_   0x6e736673UL
#define IP_TIMEOUT_MS 10000u

/* `ip ARGS...` inside the network namespace netns_fd; a non-zero exit is
 * an error quoting ip's own words. */
static int ip_in(int netns_fd, const char *const *argv, struct vcl_error **err)
{
	cleanup_free char *out = NULL;
	int st = -1;

	if (vcl_res_host_tool(netns_fd, argv, IP_TIMEOUT_MS, &out, &st, err) < 0)
		return -1;
	if (st != 0)
		return vcl_fail(err, 0, "ip %s %s (exit %d): %.200s", argv[1], argv[2], st,
				out != NULL ? out : "");
	return 0;
}

/* Same network namespace as the one vclab itself runs in (the host's)? */
static int is_own_netns(int fd, bool *own, struct vcl_error **err)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || stat("/proc/self/ns/net", &b) < 0)
		return vcl_fail(err, errno, "Compare network namespaces");
	*own = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return 0;
}

/* A child unshares a new network namespace and bind-mounts it on path. */
static int make_netns(const char *path, struct vcl_error **err)
{
	int st = 0;
	pid_t pid = fork();

	if (pid < 0)
		return vcl_fail(err, errno, "Make the lab network namespace");
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0 ||
		    mount("/proc/self/ns/net", path, NULL, MS_BIND, NULL) < 0)
			_exit(1);
		_exit(0);
	}
	vcl_waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return vcl_fail(err, 0, "Make the lab network namespace %s", path);
	return 0;
}

/* The veth from the lab namespace into pod_netns_fd, both ends addressed
 * and up. ip finds the container's namespace as vclab's open fd on it. */
static int make_veth(int lab_fd, int pod_netns_fd, struct vcl_error **err)
{
	char pod[64];
	const char *add[] = {"ip",   "link", "add",  VCL_LABNET_NODE_IF, "type",
			     "veth", "peer", "name", VCL_LABNET_POD_IF,	 "netns",
			     pod,    NULL};
	static const char node_net[] = VCL_LABNET_NODE_ADDR "/30",
			  pod_net[] = VCL_LABNET_POD_ADDR "/30";
	const char *node_addr[] = {"ip", "addr", "add", node_net, "dev", VCL_LABNET_NODE_IF, NULL};
	const char *node_up[] = {"ip", "link", "set", VCL_LABNET_NODE_IF, "up", NULL};
	const char *lo_up[] = {"ip", "link", "set", "lo", "up", NULL};
	const char *pod_addr[] = {"ip", "addr", "add", pod_net, "dev", VCL_LABNET_POD_IF, NULL};
	const char *pod_up[] = {"ip", "link", "set", VCL_LABNET_POD_IF, "up", NULL};

	snprintf(pod, sizeof(pod), "/proc/%d/fd/%d", (int)getpid(), pod_netns_fd);
	if (ip_in(lab_fd, add, err) < 0 || ip_in(lab_fd, node_addr, err) < 0 ||
	    ip_in(lab_fd, node_up, err) < 0 || ip_in(lab_fd, lo_up, err) < 0 ||
	    ip_in(pod_netns_fd, pod_addr, err) < 0 || ip_in(pod_netns_fd, pod_up, err) < 0)
		return vcl_error_wrap(err, "Make the lab veth");
	return 0;
}

int vcl_labnet_open(struct vcl_ledger *ledger, int pod_netns_fd, struct vcl_labnet *n,
		    struct vcl_error **err)
{
	const char *dir = vcl_ledger_dir(ledger);
	cleanup_close int pin = -1;
	bool own = true;

	n->fd = -1;
	n->path[0] = '\0';
	if (dir == NULL)
		return vcl_usage(err, "The lab network needs the run's ledger");
	if (pod_netns_fd < 0 || is_own_netns(pod_netns_fd, &own, err) < 0)
		return -1;
	if (own)
		return vcl_usage(err, "Refusing a veth into vclab's own (the host's) network "
				      "namespace");
	snprintf(n->path, sizeof(n->path), "%s/labnet-%llx", dir, (unsigned long long)vcl_now_ns());
	if (vcl_ledger_add(ledger, err, "file %s", n->path) < 0 ||
	    vcl_ledger_add(ledger, err, "mount %s", n->path) < 0 ||
	    vcl_ledger_add(ledger, err, "veth %s %s", n->path, VCL_LABNET_NODE_IF) < 0)
		return -1;
	pin = open(n->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (pin < 0)
		return vcl_fail(err, errno, "Create %s", n->path);
	if (make_netns(n->path, err) < 0) {
		unlink(n->path);
		return -1;
	}
	n->fd = open(n->path, O_RDONLY | O_CLOEXEC);
	if (n->fd < 0 || is_own_netns(n->fd, &own, err) < 0 || own ||
	    make_veth(n->fd, pod_netns_fd, err) < 0) {
		if (n->fd < 0 || own)
			vcl_fail(err, errno, "Open the lab network namespace %s", n->path);
		vcl_labnet_close(n);
		return -1;
	}
	return 0;
}

void vcl_labnet_close(struct vcl_labnet *n)
{
	vcl_closep(&n->fd);
	if (n->path[0] == '\0')
		return;
	/* The last reference gone, the kernel removes the namespace and the
	 * veth pair with it (both ends). */
	umount2(n->path, MNT_DETACH);
	unlink(n->path);
	n->path[0] = '\0';
}

/* "veth NSPATH IFNAME": delete the link inside the pinned namespace, if
 * the pin is still a namespace (gone, or an empty file: so is the link). */
static int veth_undo(const struct vcl_ledger_rec *r, struct vcl_error **err)
{
	const char *del[] = {"ip", "link", "del", r->b, NULL};
	cleanup_close int fd = open(r->a, O_RDONLY | O_CLOEXEC);
	cleanup_free char *out = NULL;
	struct statfs s;
	int st = -1;

	if (r->b == NULL || fd < 0 || fstatfs(fd, &s) < 0 || (unsigned long)s.f_type != NSFS_MAGIC_)
		return 0;
	if (r->print)
		printf("  %s veth %s in %s\n", r->dry_run ? "would delete" : "delete", r->b, r->a);
	if (r->dry_run)
		return 0;
	if (vcl_res_host_tool(fd, del, IP_TIMEOUT_MS, &out, &st, err) < 0)
		return -1;
	if (st != 0 && (out == NULL || strstr(out, "Cannot find device") == NULL))
		return vcl_fail(err, 0, "Delete veth %s in %s: %.200s", r->b, r->a,
				out != NULL ? out : "");
	return 0;
}

const struct vcl_ledger_kind vcl_labnet_ledger_kind = {.name = "veth", .undo = veth_undo};
