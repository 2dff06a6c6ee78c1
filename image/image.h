/* SPDX-License-Identifier: MIT */
#ifndef VCL_IMAGE_H
#define VCL_IMAGE_H

/*
 * The user's own service (issue 14): an OCI image, a plain rootfs or a
 * host binary turned into a struct vcl_svc_spec every placement runs.
 *
 * - An image REF in a transport skopeo reads (oci:DIR[:TAG],
 *   oci-archive:FILE[:TAG], docker-archive:FILE, dir:DIR) is copied with
 *   skopeo into an OCI-layout cache keyed by its manifest digest
 *   (VCLAB_CACHE, default /var/cache/vclab: images/<hex>/oci), and
 *   unpacked once with `umoci raw unpack` into unpacked/<hex>/rootfs.
 *   Both are reused by later runs: a digest names the same bytes
 *   forever. Each entry appears only when complete (image/cache.c).
 * - The defaults (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts)
 *   come from the image config, read with json-c; the overrides
 *   (--port, --ready, --env, --name, -- CMD) win.
 * - rootfs:DIR is used as it is; --binary PATH runs a host executable.
 *
 * Only the image layer calls skopeo and umoci; the placements see the
 * struct vcl_svc_spec of core/backend.h.
 */

#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/backend.h"
#include "core/error.h"

/* What the command line says about the service. Strings are borrowed. */
struct vcl_image_opts {
	const char *ref;		    /* --image REF, or NULL */
	const char *binary;		    /* --binary PATH, or NULL */
	const char *name;		    /* --name, NULL = from the reference */
	uint16_t port;			    /* --port, 0 = the one ExposedPort */
	const char *ready;		    /* --ready (core/probe.h's forms), NULL = http:/ */
	const struct vcl_ready *ready_spec; /* already parsed (a services file); wins over ready */
	const char *load;		    /* the steady scenario's GET path, NULL = none */
	char **env;			    /* --env K=V..., NULL-terminated or NULL */
	char **cmd;			    /* -- CMD ARGS..., NULL-terminated or NULL */
	/* A Kubernetes container's command: replaces the image's Entrypoint,
	 * and its Cmd too unless cmd (the container's args) is given. */
	char **entrypoint;
	const char *user;   /* "UID[:GID]" or a name: replaces the config's User */
	bool port_optional; /* a pod's other container: no port needed (0 stays) */
};

/* The resolved service and what results.json says about its image. */
struct vcl_image {
	struct vcl_svc_spec svc; /* points into the fields below */
	char name[352];		 /* a manifest's workload: "<namespace>/<kind>/<name>" */
	char reference[512];
	char digest[80]; /* "sha256:<hex>", "" for rootfs: and --binary */
	uint64_t size;	 /* bytes of config and layers (compressed), 0 if unknown */
	char *rootfs;
	char *layout; /* the cached OCI layout (tag "img"), NULL for rootfs: and --binary */
	char *cwd;
	char **argv;
	char **envp;
	char *user;	/* the config's User, "" = root */
	char load[256]; /* the steady scenario's request path, "" = none */
	char *disk;	/* the rootfs as an ext4 image (image/disk.c), NULL until asked */
	bool disk_temp; /* disk is this run's own (no digest): removed by vcl_image_free */
};

/* Resolve, copy, unpack and configure. Errors are VCL_E_USAGE for bad
 * input (unreadable REF, no entrypoint, no port, entrypoint missing from
 * the rootfs), with one line saying what. Free with vcl_image_free. */
int vcl_image_load(const struct vcl_image_opts *o, struct vcl_image *img, struct vcl_error **err);
void vcl_image_free(struct vcl_image *img);

/* services.<name>.image of results.json. */
struct json_object *vcl_image_json(const struct vcl_image *img);

/*
 * The rootfs as a read-only ext4 disk image for the VM placements: the
 * vcl_svc_spec.disk hook (svc must be the svc of a struct vcl_image).
 * Built with `mke2fs -d` (no loop mount) on the first call. An image with
 * a digest gets <cache>/vmdisks/<hex>/rootfs.ext4, built once and reused by
 * every later run (the same bytes as unpacked/<hex>); rootfs:DIR gets a disk of
 * this run only, in the ledger, removed by vcl_image_free. Mode 0644.
 */
int vcl_image_disk(const struct vcl_svc_spec *svc, struct vcl_ledger *ledger, const char **path,
		   struct vcl_error **err);
/* Remove a disk of this run only (rootfs:DIR); the cached ones stay. */
void vcl_image_disk_release(struct vcl_image *img);

/* Pure: the size in KiB and inode count of an ext4 image that holds
 * files of total_bytes (each rounded up to 4 KiB blocks) in nfiles
 * entries, with room for ext4's own metadata. */
void vcl_image_disk_geometry(uint64_t total_bytes, uint64_t nfiles, uint64_t *size_kib,
			     uint64_t *inodes);

/* Shared inside image/: the cache root ($VCLAB_CACHE or /var/cache/vclab)
 * and a command runner (stdout into *out, the last stderr line in the
 * error: VCL_E_ENV when the tool is not installed, else VCL_E_FAIL). */
const char *vcl_image_cache_root(void);
int vcl_image_run(char *const argv[], char **out, struct vcl_error **err);
/* The same, for the tool of a cache step: hook names the step
 * ("copy.tool") for vcl_image_test_kill_at, once the tool runs. */
int vcl_image_run_step(char *const argv[], char **out, const char *hook, struct vcl_error **err);

/* ---- the cache (image/cache.c: crash-safe entries) -------------------- */

/* The steps that make a cache entry, in order. */
enum vcl_cache_step { VCL_CACHE_COPY, VCL_CACHE_UNPACK, VCL_CACHE_DISK };

/* One entry being looked up or built. */
struct vcl_cache_entry {
	enum vcl_cache_step step;
	char digest[80];
	char final[PATH_MAX]; /* <cache>/<images|unpacked|vmdisks>/<hex> */
	char tmp[PATH_MAX];   /* where it is built, "" when none */
};

/* 1: a finished entry of digest for step is at e->final. 0: none; e->tmp
 * is a fresh empty folder to build it in, then vcl_cache_commit (or
 * vcl_cache_abort on failure). */
int vcl_cache_open(enum vcl_cache_step step, const char *digest, struct vcl_cache_entry *e,
		   struct vcl_error **err);
/* Write entry.json (digest, step, the tool's version) into e->tmp and
 * rename it to e->final; an entry another run committed first is used
 * instead. On failure e->tmp is removed. */
int vcl_cache_commit(struct vcl_cache_entry *e, struct vcl_error **err);
void vcl_cache_abort(struct vcl_cache_entry *e);
/* `vclab gc --cache`: remove unfinished entries whose builder is gone,
 * entries that are not finished entries, and what the layout before
 * entry.json left (oci/, rootfs/, disks/<hex>.ext4), said on stdout, one
 * line each. */
int vcl_cache_gc(bool dry_run, unsigned *removed, struct vcl_error **err);

/* Test builds only (-DVCL_TEST_HOOKS: build/tests/vclab-testhooks):
 * SIGKILL at step ("copy.tool", "copy.commit", "unpack.tool", ...,
 * "disk.commit") when $VCLAB_TEST_KILL_AT names it. A no-op otherwise. */
#ifdef VCL_TEST_HOOKS
void vcl_image_test_kill_at(const char *step);
#else
static inline void vcl_image_test_kill_at(const char *step)
{
	(void)step;
}
#endif

/* ---- pure parts, unit-tested on literal input ------------------------- */

/* Apply an image config (the OCI config blob's JSON, or NULL for none)
 * and the overrides to img: argv, envp, cwd, user, port. Errors:
 * VCL_E_USAGE "no entrypoint and no command", "no port known" (none or
 * several ExposedPorts and no --port), bad --env. */
int vcl_image_config_apply(struct json_object *config, const struct vcl_image_opts *o,
			   struct vcl_image *img, struct vcl_error **err);

/* A service name from a reference: the last path component without the
 * extension and tag ("oci:/x/busybox-httpd:latest" -> "busybox-httpd"),
 * only [A-Za-z0-9._-]. */
void vcl_image_name_from_ref(const char *ref, char *out, size_t size);

#endif
