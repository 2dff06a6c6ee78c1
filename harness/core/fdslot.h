/* SPDX-License-Identifier: MIT */
#ifndef VCL_FDSLOT_H
#define VCL_FDSLOT_H

/*
 * Low descriptor slots, for launching a child from a harness that holds
 * thousands of descriptors (density: a READY pipe, a pidfd, a network
 * namespace per instance). A clone copies the whole descriptor table and
 * the exec walks it again to close what is close-on-exec: a fork + exec of
 * /bin/true holding 10 000 descriptors took 3.8 ms here against 1.6 ms
 * holding none (docs/metrics.md#density), and a density run paid that at
 * every launch, growing with the instances already up.
 *
 * A CLONE_VM | CLONE_VFORK child can avoid it: cloned with CLONE_FILES it
 * shares the table (nothing is copied), and its first act is
 * close_range(vcl_fdslot_end(), ~0U, CLOSE_RANGE_UNSHARE), which gives it
 * a table of its own holding only the descriptors below that number (the
 * kernel copies no more than that). What the child needs must therefore
 * sit below it: the parent lends each such descriptor into a slot, a low
 * number reserved early (vcl_fdslot_reserve), and the child uses the
 * slot's number. The parent is suspended until the child has exec'd or
 * died (CLONE_VFORK), then vcl_fdslot_return() points every slot back at
 * /dev/null. The child does all its own work still: nothing is moved out
 * of the launch, only the copy of descriptors it never used.
 *
 * Single-threaded use only (the harness launches from one thread). The
 * slots are close-on-exec: a lent descriptor the child wants to keep
 * across exec is dup2'ed to its place (fd 3), as before.
 */

#include <stddef.h>

#include "core/error.h"

/* How many descriptors one launch may lend. */
#define VCL_FDSLOTS 10

/* Reserve the slots (the lowest free numbers now): call early, while the
 * table is small. Idempotent. 0, or -1 with *err set. */
int vcl_fdslot_reserve(struct vcl_error **err);

/* Whether the slots are reserved. */
int vcl_fdslot_ready(void);

/* Lend fd into the next free slot: returns the slot's number (a duplicate
 * of fd, close-on-exec), fd itself when fd < 0, or -1 with errno (no slot
 * left, or the slots are not reserved). */
int vcl_fdslot_lend(int fd);

/* One past the highest slot: what the child passes to close_range. */
int vcl_fdslot_end(void);

/* Every lent slot back to /dev/null (closing the duplicates). */
void vcl_fdslot_return(void);

/* For a launch: lend each *fds[i] (those < 0 stay) and put the slot's
 * number in its place, the originals in saved[]. Returns vcl_fdslot_end()
 * for the child's close_range, or -1 when the slots are not reserved or
 * one is missing (then nothing is lent and *fds[] are as they were: the
 * child keeps the whole table). */
int vcl_fdslot_lend_all(int *const *fds, size_t n, int *saved);

/* After the clone: *fds[] back from saved[], every slot returned. */
void vcl_fdslot_return_all(int *const *fds, size_t n, const int *saved);

#endif
