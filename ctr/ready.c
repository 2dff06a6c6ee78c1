/* SPDX-License-Identifier: MIT */
/* The payload's READY channel, read the same way for ctr, runc and crun. */
#include <errno.h>
#include <unistd.h>

#include "ctr.h"
#include "util.h"

int vcl_ctr_ready_read(struct vcl_ctr_ready *r, int fd, const char *name, uint64_t *t_ready,
		       struct vcl_error **err)
{
	ssize_t n;
	int ret;

	if (r->seen)
		return 1;
	if (r->len >= sizeof(r->buf) - 1)
		return vcl_error_set(err, VCL_E_DIED, 0, "%s: READY line too long", name);
	do
		n = read(fd, r->buf + r->len, sizeof(r->buf) - 1 - r->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : vcl_fail(err, errno, "%s: read READY", name);
	r->len += (size_t)n;
	r->buf[r->len] = '\0';
	ret = vcl_ctr_ready_parse(r->buf, r->len, n == 0);
	if (ret > 0) {
		r->seen = true;
		*t_ready = vcl_now_ns();
		return 1;
	}
	if (ret == 0)
		return 0;
	if (r->len == 0)
		return vcl_error_set(err, VCL_E_DIED, 0,
				     "%s closed its READY channel without writing to it", name);
	return vcl_error_set(err, VCL_E_DIED, 0, "%s: unexpected text on the READY channel: %.80s",
			     name, r->buf);
}
