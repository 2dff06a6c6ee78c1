/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_LABNET_H
#define VCL_BENCH_LABNET_H

/*
 * The lab network: a veth pair between a network namespace vclab makes
 * (the "node" side, where a Kubernetes node's CNI would put the host end of
 * a pod's veth) and a container's own network namespace, so that the net
 * scenario measures a container over the path a pod really uses, beside
 * the loopback of its own namespace.
 *
 * The network rule holds by construction: nothing is added to the host's
 * network namespace. The lab namespace is made by a child that unshares
 * its network namespace; the veth is created inside it and its other end
 * moved straight into the container's namespace (iproute2, run inside the
 * lab namespace); both ends get addresses only there. Open refuses a
 * container namespace that is the host's own. The addresses are
 * link-local (169.254.77.0/30) and live only in those two namespaces.
 *
 * The ledger records, before each is made: the file the lab namespace is
 * pinned on (file), its bind mount (mount) and the veth (veth NSPATH
 * IFNAME, undone by deleting the link inside the pinned namespace, when
 * that is still there). Unmounting the namespace also takes the veth pair
 * away with it (a veth dies with either end's namespace), so a crash
 * leaves nothing `vclab gc` does not remove.
 */

#include <limits.h>

#include "core/error.h"
#include "core/ledger.h"

#define VCL_LABNET_NODE_IF   "vclab-node" /* the lab (node) side of the veth */
#define VCL_LABNET_POD_IF    "vclab-pod"  /* the container's side */
#define VCL_LABNET_NODE_ADDR "169.254.77.1"
#define VCL_LABNET_POD_ADDR  "169.254.77.2"

struct vcl_labnet {
	char path[PATH_MAX]; /* the lab namespace's pin, in the run's folder */
	int fd;		     /* open on the lab namespace; -1 when none */
};

/* Make a lab namespace and a veth pair from it into pod_netns_fd (a
 * container's network namespace, never the host's), addressed and up.
 * ledger: the run's (records first); NULL is refused (nothing could undo
 * it after a crash). On failure nothing is left. */
int vcl_labnet_open(struct vcl_ledger *ledger, int pod_netns_fd, struct vcl_labnet *n,
		    struct vcl_error **err);
/* Remove the lab namespace, and the veth with it. Safe twice. */
void vcl_labnet_close(struct vcl_labnet *n);

/* The ledger kind "veth NSPATH IFNAME" (registered by bench/backends.c). */
extern const struct vcl_ledger_kind vcl_labnet_ledger_kind;

#endif
