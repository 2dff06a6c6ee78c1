/* SPDX-License-Identifier: MIT */
#ifndef VCL_VERSION_H
#define VCL_VERSION_H

/* The one version string: results.json's vclab_version, the man pages. */
#define VCLAB_VERSION "0.1.0"

#endif
