/* SPDX-License-Identifier: MIT */
#include "bench/backends.h"

#include "bare/bare.h"
#ifdef VCL_WITH_CTR
#include "ctr/ctr.h"
#endif
#ifdef VCL_WITH_VM
#include "vmm/vmm.h"
#endif

const struct vcl_backend_ops *const vcl_backends[] = {
    &vcl_bare_ops,
#ifdef VCL_WITH_CTR
    &vcl_ctr_ops,
#endif
#ifdef VCL_WITH_VM
    &vcl_vm_ops,
#endif
#ifdef VCL_WITH_CTR
    &vcl_runc_ops,
    &vcl_crun_ops,
#endif
#ifdef VCL_WITH_VM
    &vcl_qemu_direct_ops,
#endif
    NULL,
};
