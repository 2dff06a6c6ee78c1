/* SPDX-License-Identifier: MIT */
#ifndef VCL_CORE_VOLUME_H
#define VCL_CORE_VOLUME_H

/*
 * A service's pod volumes (struct vcl_volume, core/backend.h) made real:
 * each a tmpfs of its own at its target, its files written with their
 * modes, the pod's fsGroup as their group (as the kubelet's volume
 * ownership gives it: group-readable files, set-gid folders), read-only
 * where the manifest says. The same code for bare and ctr (in the
 * service's mount namespace, before it enters its root), the guest's init
 * (linked into bin/vclab-init) and runc's bundle (vcl_volume_fill into a
 * host folder the bundle's config binds).
 *
 * Plain system calls only, no allocation: they run in a child that may
 * share the parent's memory (bare's CLONE_VM path) and in the static
 * init. On failure: -1 with errno set, and *what names the step.
 */

#include "core/backend.h"

/* Under the current directory (the service's root, not yet entered): for
 * each volume, create its target folder, mount a tmpfs there (emptyDir's
 * sizeLimit as size=), fill it, and remount it read-only when asked; a
 * volume with a host_dir is that folder bound there instead. */
int vcl_volumes_mount(const struct vcl_volume *v, size_t n, const struct vcl_security *sec,
		      const char **what);

/* Write one volume's files into the existing folder dir (the mount point,
 * or a host folder to bind) and give dir and files the pod's fsGroup. */
int vcl_volume_fill(const char *dir, const struct vcl_volume *v, const struct vcl_security *sec,
		    const char **what);

/* The folder an overlay's upper and work layers go in, at at (in the
 * service's mount namespace): host_dir bound there when given, else a
 * private 64 MiB tmpfs. */
int vcl_overlay_upper_mount(const char *at, const char *host_dir);

/* The supplementary groups the service runs with: fsGroup, then
 * supplementalGroups (what containerd puts in additionalGids beyond the
 * image's /etc/group). Returns how many were written to out (max n). */
size_t vcl_security_groups(const struct vcl_security *sec, gid_t *out, size_t n);

#endif
