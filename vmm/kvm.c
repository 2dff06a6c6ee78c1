/* SPDX-License-Identifier: MIT */
/*
 * Is KVM really usable? Each step below has failed on some machine this lab
 * ran on: no vmx/svm flag (plain cloud VM), no /dev/kvm (module not
 * loaded), and a /dev/kvm that answers every ioctl yet cannot boot a stock
 * kernel (a PVM-style nested hypervisor: the guest hangs after "Probing
 * EDD"). Only a real boot to READY proves it, so that is the last step.
 * Nothing is cached: the answer describes the host at the time of the call.
 */
#include "vmm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/cleanup.h"

#define KVM_BOOT_TIMEOUT_MS 10000

static bool cpu_has_virt(void)
{
	cleanup_file FILE *f = fopen("/proc/cpuinfo", "re");
	char line[4096];

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *tok, *save = NULL;

		if (strncmp(line, "flags", 5) != 0)
			continue;
		for (tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, "vmx") == 0 || strcmp(tok, "svm") == 0)
				return true;
		return false;
	}
	return false;
}

int vcl_vmm_kvm_usable(char *why, size_t whylen)
{
	cleanup_close int fd = -1;
	cleanup_error struct vcl_error *err = NULL;
	int api, r;

	if (!cpu_has_virt()) {
		snprintf(why, whylen, "no vmx/svm in CPU flags");
		return 0;
	}
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "/dev/kvm: %s", strerror(errno));
		return 0;
	}
	api = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION) {
		snprintf(why, whylen, "KVM_GET_API_VERSION returned %d, want %d", api,
			 KVM_API_VERSION);
		return 0;
	}
	/* The host probe: no run, no ledger yet; the check leaves no process. */
	r = vcl_vmm_boot_check(NULL, "kvm", false, KVM_BOOT_TIMEOUT_MS, why, whylen, &err);
	if (r < 0) {
		snprintf(why, whylen, "KVM boot check could not run: %s",
			 err && err->msg ? err->msg : "unknown error");
		return 0;
	}
	if (r == 1)
		snprintf(why, whylen, "vmx/svm present, /dev/kvm API %d, guest booted to READY",
			 api);
	return r;
}
