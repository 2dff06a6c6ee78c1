#!/bin/sh
# Install every Debian package vclab needs, in one list. Idempotent: packages
# already installed are skipped, so a second run does no network work at all.
set -eu

# Build, test and lint toolchain.
PKGS_BUILD="build-essential pkg-config make gcc clang clang-tidy clang-format cppcheck universal-ctags
 check libsubunit-dev valgrind libclang-rt-14-dev"
# Libraries the lab links against.
PKGS_LIBS="libvirt-dev libcgroup-dev libhwloc-dev libjson-c-dev libyaml-dev libcap-dev libseccomp-dev"
# Runtime: VMs, containers, peers, plots, guest image.
PKGS_RUN="libvirt-daemon libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils
 linux-image-cloud-amd64 hwloc cgroup-tools runc crun wrk gnuplot-nox cpio gzip
 libxml2-utils iproute2 procps kmod"
# The user's own service (image/): skopeo copies any image into the OCI
# cache, umoci unpacks it, e2fsprogs' mke2fs -d makes the VM's disk;
# busybox-static gives the test images their static HTTP server; nginx-light
# (a master and workers), redis-server (readiness by PING) and python3 (a
# large interpreter rootfs) give tests/integ/test_services.c real services,
# their files copied into images built offline (tests/image/build-debsvc.sh).
# None of them is started as a host daemon (policy-rc.d below).
PKGS_IMAGE="skopeo umoci e2fsprogs busybox-static nginx-light redis-server python3-minimal"
# The iaas guest's root disk (scripts/build-guest-iaas.sh): mmdebstrap
# builds minimal Debian into a tarball, mke2fs -d (e2fsprogs) makes the
# image, qemu-img (qemu-utils) each instance's overlay.
PKGS_IAAS="mmdebstrap"
# The engines users run, as same-run peers of ctr (ctr/engine.c): podman
# (rootful, with runc: crun 1.8 refuses this hybrid cgroup host) and
# docker.io (dockerd + containerd, started by hand by scripts/services.sh).
PKGS_ENGINES="podman docker.io"
# The micro guest kernel (scripts/build-kernel.sh): Debian's source tarball
# and what Kbuild needs to build vmlinux from it.
PKGS_KERNEL="linux-source-6.1 bc flex bison libelf-dev libssl-dev xz-utils"
# Report browser test; the outside validator of results.json
# (scripts/validate-results.py); kubectl renders the advisor's kustomize
# overlay in the unit tests (test_advise_manifest). Debian's kubectl is
# kubernetes-client; a kubectl already on PATH (another vendor's package
# owns /usr/bin/kubectl and would clash) is used as it is.
PKGS_TEST="chromium python3-jsonschema"
# Readers of `vclab export` and the man pages in the suite: promtool (in
# Debian's prometheus package, no lighter package ships it), the strict
# OpenMetrics parser of python3-prometheus-client, hyperfine (a real
# --export-json file to compare shapes with), mandoc -Tlint.
PKGS_EXPORT="prometheus python3-prometheus-client hyperfine mandoc"
if ! command -v kubectl >/dev/null 2>&1; then
	PKGS_TEST="$PKGS_TEST kubernetes-client"
fi

# The sandboxed placement (gvisor: Debian's runsc), the resource-cost
# scenarios' tools (fio, iperf3, sysbench, run inside the tools image and
# by hand as their outside check), and the fleet: ansible drives vclab on
# many hosts, openssh-server gives check-fleet a private sshd on a loopback
# port (never the host's own: policy-rc.d keeps the package from starting
# one), debhelper/dpkg-dev/lintian build and check the .deb.
PKGS_SANDBOX="runsc"
PKGS_RES="fio iperf3 sysbench"
PKGS_FLEET="ansible ansible-lint openssh-server debhelper dpkg-dev lintian fakeroot"
PKGS="$PKGS_BUILD $PKGS_SANDBOX $PKGS_RES $PKGS_FLEET $PKGS_LIBS $PKGS_RUN $PKGS_ENGINES $PKGS_KERNEL $PKGS_IMAGE $PKGS_IAAS $PKGS_TEST $PKGS_EXPORT"

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: must run as root (apt-get needs CAP_SYS_ADMIN and write access to /var/lib/dpkg)" >&2
	exit 2
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Only promtool is wanted from prometheus: no package may start a daemon
# (a Prometheus server on :9090) while we install. invoke-rc.d and
# deb-systemd-invoke ask policy-rc.d; a host's own policy-rc.d is kept.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 0755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
# Refresh the index only when an install fails with the cached one.
# shellcheck disable=SC2086
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	# shellcheck disable=SC2086
	apt-get install -y --no-install-recommends $missing
fi
