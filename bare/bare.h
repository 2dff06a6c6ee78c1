/* SPDX-License-Identifier: MIT */
#ifndef VCL_BARE_H
#define VCL_BARE_H

/*
 * The bare placement: the payload as a plain host process in an
 * accounting-only cgroup, no namespaces: the reference every other
 * placement's overhead is measured against.
 */

#include "core/backend.h"

extern const struct vcl_backend_ops vcl_bare_ops;

#endif
