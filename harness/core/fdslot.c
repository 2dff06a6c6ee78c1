/* SPDX-License-Identifier: MIT */
/* Low descriptor slots for launches (core/fdslot.h says why). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "core/fdslot.h"

/* Process-wide by nature: the descriptor table is the process's. */
static int slot_null = -1;	 /* /dev/null, what an idle slot points at */
static int slot_fd[VCL_FDSLOTS]; /* the reserved numbers */
static unsigned slot_lent;	 /* slots [0, slot_lent) hold a lent descriptor */
static int slot_end = -1;	 /* one past the highest slot */

int vcl_fdslot_reserve(struct vcl_error **err)
{
	int end = 0;

	if (slot_null >= 0)
		return 0;
	slot_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (slot_null < 0)
		return vcl_fail(err, errno, "Open /dev/null for the launch slots");
	for (unsigned i = 0; i < VCL_FDSLOTS; i++) {
		slot_fd[i] = fcntl(slot_null, F_DUPFD_CLOEXEC, 0);
		if (slot_fd[i] < 0) {
			int e = errno;

			while (i-- > 0)
				close(slot_fd[i]);
			close(slot_null);
			slot_null = -1;
			return vcl_fail(err, e, "Reserve the launch slots");
		}
		if (slot_fd[i] + 1 > end)
			end = slot_fd[i] + 1;
	}
	if (slot_null + 1 > end)
		end = slot_null + 1;
	slot_end = end;
	return 0;
}

int vcl_fdslot_ready(void)
{
	return slot_null >= 0;
}

int vcl_fdslot_lend(int fd)
{
	if (fd < 0)
		return fd;
	if (slot_null < 0 || slot_lent >= VCL_FDSLOTS) {
		errno = slot_null < 0 ? EBADF : EMFILE;
		return -1;
	}
	if (dup3(fd, slot_fd[slot_lent], O_CLOEXEC) < 0)
		return -1;
	return slot_fd[slot_lent++];
}

int vcl_fdslot_end(void)
{
	return slot_end;
}

void vcl_fdslot_return(void)
{
	while (slot_lent > 0) {
		slot_lent--;
		dup3(slot_null, slot_fd[slot_lent], O_CLOEXEC);
	}
}

int vcl_fdslot_lend_all(int *const *fds, size_t n, int *saved)
{
	int end = vcl_fdslot_ready() ? vcl_fdslot_end() : -1;

	for (size_t i = 0; i < n; i++) {
		saved[i] = *fds[i];
		if (end >= 0 && (*fds[i] = vcl_fdslot_lend(saved[i])) < 0 && saved[i] >= 0)
			end = -1; /* no slot: the child copies the table */
	}
	if (end < 0)
		vcl_fdslot_return_all(fds, n, saved);
	return end;
}

void vcl_fdslot_return_all(int *const *fds, size_t n, const int *saved)
{
	for (size_t i = 0; i < n; i++)
		*fds[i] = saved[i];
	vcl_fdslot_return();
}
