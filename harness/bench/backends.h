/* SPDX-License-Identifier: MIT */
#ifndef VCL_BENCH_BACKENDS_H
#define VCL_BENCH_BACKENDS_H

/*
 * The registry of backends: the one table of the placements and peers built
 * into this vclab. It lives above core (core/backend.h holds the vtable and
 * knows no backend) and below the verbs that use it: bench drives the
 * backends through it, gc and doctor take from it what the built-in parts
 * add to the ledger and to the host probe.
 *
 * An optional part is a compile-time switch, set by the Makefile (on by
 * default): VCL_WITH_CTR (ctr/: ctr, runc, crun, podman, docker), VCL_WITH_VM (vmm/: vm,
 * qemu-direct). bare is always built in. Adding a backend: its folder, its
 * vcl_backend_ops, one line in backends.c.
 */

#include "core/backend.h"
#include "core/host.h"

/* Placements first (bare, ctr, vm), then peers (runc, crun, qemu-direct,
 * and the opt-in engines podman, docker), in the order bench runs and
 * records them. NULL-terminated. */
extern const struct vcl_backend_ops *const vcl_backends[];

/* The backend of that name built in, NULL when none is. */
const struct vcl_backend_ops *vcl_backends_find(const char *name);

/* The name of the placement the others are compared with (ops->baseline:
 * bare), as results.json keys it. */
const char *vcl_backends_baseline(void);

/* The names of the placements (peers false) or of the peers (true), in
 * table order, NULL-terminated: the words of --backends and --peer (the
 * peers' list ends in "none"). Built on the first call. */
const char *const *vcl_backends_placement_words(void);
const char *const *vcl_backends_peer_words(void);

/* Register the ledger kinds of core and of every backend built in into
 * kinds, so that teardown and gc know how to undo every record. Call
 * before a ledger is opened or gc runs; calling it again is harmless. */
struct vcl_ledger_kinds;
int vcl_backends_init(struct vcl_ledger_kinds *kinds, struct vcl_error **err);

/* Hand bench's --gvisor-platform to the gvisor placement before its
 * probe ("auto", "systrap", "kvm", "ptrace"; another word is a usage
 * error). Without the ctr part built in only "auto" is accepted. */
int vcl_backends_gvisor_platform(const char *platform, struct vcl_error **err);

/* What the parts built in add to the host probe (vcl_host_probe): the VM
 * part's KVM boot check. */
extern const struct vcl_host_hooks vcl_backends_host_hooks;

#endif
