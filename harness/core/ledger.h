/* SPDX-License-Identifier: MIT */
#ifndef VCL_LEDGER_H
#define VCL_LEDGER_H

/*
 * The resource ledger. Before vclab creates a domain, cgroup, mount, netns
 * or scratch folder it appends a line to /run/vclab/<run>/ledger; processes
 * are recorded with their start time right after fork (they always live in
 * a recorded cgroup too). Teardown walks the ledger backwards. `vclab gc`
 * does the same for runs whose runner process is gone, and touches nothing
 * that is not in a ledger.
 *
 * Records are write()n before the resource is created (no fsync: the
 * resources do not outlive a reboot).
 *
 * Line format: "<kind> <value...>\n". Undo is table-driven: the owner of
 * each kind of resource defines a struct vcl_ledger_kind next to the code
 * that makes it, and the registry above core (bench/backends.c) registers
 * the kinds of every part built in before a ledger is opened or gc runs.
 * A record of a kind nobody registered is an error, never skipped: the
 * ledger is kept for a vclab that knows it. Kinds today:
 *   pid PID STARTTIME        a process vclab started        (core: vcl_ledger_kind_pid)
 *   dir PATH                 a folder to rm -rf             (core: vcl_ledger_kind_dir)
 *   file PATH                a file to remove               (core: vcl_ledger_kind_file)
 *   mount PATH               a mount point                  (core: vcl_ledger_kind_mount)
 *   cgroup PATH              relative cgroup path           (core/cgroup.c)
 *   domain URI NAME          libvirt domain                 (vmm/vm.c)
 *   sysfs PATH VALUE         a KSM setting to put back      (core/ksm.c)
 *   engine ENGINE RUN        every container vclab-RUN-N and image vclab-RUN:*
 *                            in podman's or docker's storage (ctr/engine.c)
 *   veth NSPATH IFNAME       a veth in the lab network namespace pinned on
 *                            NSPATH (bench/labnet.c; NSPATH itself is a file
 *                            and a mount record)
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

#define VCL_LEDGER_ROOT "/run/vclab"

struct vcl_ledger_kinds;

/* One run's open ledger: its file, folder and run id, and the kinds its
 * teardown undoes. Opaque; passed explicitly (a bench run hands it down
 * in vcl_spec.ledger), so two runs in one process keep two ledgers.
 * Every function taking a struct vcl_ledger * accepts NULL: no ledger,
 * nothing recorded (pure tests, probes before a run exists). */
struct vcl_ledger;

/* Open the ledger of run_id (creates /run/vclab/<run>/ and its owner file)
 * into *out. kinds (borrowed: it must outlive the ledger) are what its
 * teardown knows how to undo. */
int vcl_ledger_open(struct vcl_ledger **out, const char *run_id,
		    const struct vcl_ledger_kinds *kinds, struct vcl_error **err);
/* The ledger's folder (the run's state folder), or NULL without one. */
const char *vcl_ledger_dir(const struct vcl_ledger *l);
/* Append one record to l (no-op when l is NULL). The line is written with
 * one write() before the call returns, so it outlives a crash (even
 * SIGKILL) of vclab; it is not fsync'd (ledger.c says why). */
int vcl_ledger_add(struct vcl_ledger *l, struct vcl_error **err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record a child pid with its start time. */
int vcl_ledger_add_pid(struct vcl_ledger *l, pid_t pid, struct vcl_error **err);
/* Tear down everything *l lists (reverse order), remove the ledger, free
 * it and set *l to NULL. Safe on NULL and twice. */
int vcl_ledger_close(struct vcl_ledger **l, struct vcl_error **err);

/* One record being undone. */
struct vcl_ledger_rec {
	const char *a;	/* the record's first word after the kind, never NULL */
	const char *b;	/* the second word, or NULL */
	bool this_boot; /* false: the run started before the last reboot, so none
			 * of its processes can still exist */
	bool dry_run;	/* only say what would be removed */
	bool print;	/* say on stdout what is (or would be) removed: "  remove ..." */
};

/* A kind of resource the ledger records, and how to undo one record of it. */
struct vcl_ledger_kind {
	const char *name; /* the record's first word: [a-z]+ */
	/* Remove what the record names; what is gone already is success. <0
	 * with *err set keeps the ledger, so gc can finish the job later. */
	int (*undo)(const struct vcl_ledger_rec *r, struct vcl_error **err);
	/* Optional: called once a run's whole ledger is undone (not on dry runs),
	 * whether or not it held a record of this kind. */
	void (*finish)(const char *run_id);
};

#define VCL_LEDGER_MAX_KINDS 16

/* The kinds a ledger's teardown (and gc) can undo. The registry above core
 * (bench/backends.c, vcl_backends_init) fills one before a ledger is
 * opened or gc runs. Start from {0}. */
struct vcl_ledger_kinds {
	const struct vcl_ledger_kind *k[VCL_LEDGER_MAX_KINDS];
	size_t n;
};

/* Register a kind in kinds. The same kind twice is fine; another kind with
 * a taken name is an error. */
int vcl_ledger_register(struct vcl_ledger_kinds *kinds, const struct vcl_ledger_kind *kind,
			struct vcl_error **err);

/* The kinds core defines for plain processes, folders, files and mounts
 * (cgroup's is in cgroup.h); the registry registers them with the
 * backends' own. */
extern const struct vcl_ledger_kind vcl_ledger_kind_pid;
extern const struct vcl_ledger_kind vcl_ledger_kind_dir;
extern const struct vcl_ledger_kind vcl_ledger_kind_file;
extern const struct vcl_ledger_kind vcl_ledger_kind_mount;

/*
 * Runs beside this one. A CI runner runs two jobs at once, or a fleet run
 * starts while someone benches by hand: results must say so. Each run's
 * ledger folder holds "run" (its start, CLOCK_REALTIME ns, and its
 * placements) and "peers", a journal other runs append to:
 *   start RUN START_NS PLACEMENTS   run RUN was (or became) active
 *   end RUN END_NS                  run RUN ended
 * Announcing writes "run", then tells every live run about this one and
 * notes each of them in its own "peers"; closing the ledger appends "end"
 * to every live run's journal. Whichever of two runs starting together
 * looks second sees the other, so both journals end up naming each other.
 * Only live runs (owner pid and start time match) are told or noted; no
 * file is created in another run's folder (its journal is opened without
 * O_CREAT), so a run being torn down is never left with one.
 */
struct vcl_ledger_peer {
	char run[64];
	char placements[256]; /* comma-separated, as announced */
	int64_t start_ns;     /* CLOCK_REALTIME */
	int64_t end_ns;	      /* 0: not ended when asked */
};

/* Announce the run of l, running placements (comma-separated). No-op on
 * NULL. */
int vcl_ledger_announce(struct vcl_ledger *l, const char *placements, struct vcl_error **err);
/* When l was announced (CLOCK_REALTIME ns), 0 if it was not. */
int64_t vcl_ledger_started(const struct vcl_ledger *l);
/* Every other run active at some time since l was announced, one entry
 * per run, in the order first seen, into *out (free() it; NULL and 0 when
 * none). */
int vcl_ledger_peers(const struct vcl_ledger *l, struct vcl_ledger_peer **out, size_t *n,
		     struct vcl_error **err);

/* Claim name ([a-z]+) for the rest of l's run, host-wide: what two runs
 * cannot both measure well (two density runs filling the same memory).
 * The claim is a file "claim-NAME" in the run's folder holding the time
 * it was made; it is written first, then the live runs are read, and the
 * earliest claim wins (ties: the smaller run id), so of two runs claiming
 * at once exactly one gets it whatever their order. A claim ends with its
 * run (or when its runner dies). *got false: *holder is the live run that
 * holds it (placements "-" and start 0 when it has not announced itself
 * yet), and l holds nothing. */
int vcl_ledger_claim(struct vcl_ledger *l, const char *name, bool *got,
		     struct vcl_ledger_peer *holder, struct vcl_error **err);

struct vcl_gc_opts {
	bool dry_run;
	const char *root; /* default VCL_LEDGER_ROOT; tests point it elsewhere */
	const struct vcl_ledger_kinds *kinds; /* what gc can undo; NULL: none */
	bool cache; /* `vclab gc --cache`: the image cache too (image/cache.c), not vcl_gc's */
	/* Only the runs whose name starts with this (a test reaping the runs
	 * its failed cases left: "ct<pid>-"); NULL: every run. */
	const char *prefix;
};
/* Tear down the ledgers of dead runs, and remove the temporaries
 * (".RUN.new") of ledgers whose opening died before the rename. Prints
 * what it removes (or would). */
int vcl_gc(const struct vcl_gc_opts *opts, unsigned *removed, struct vcl_error **err);

#endif
