#!/bin/sh
# Outside check of the VM's disk figures (docs/resources.md): QEMU's own
# block accounting against the bytes fio says it read. While `vclab bench
# --scenarios disk --backends vm` runs, `virsh domstats --block` is polled
# every 0.1 s for the run's domains; each domain's last rd.bytes on vda (the
# root disk fio reads /data/read.dat from, with O_DIRECT in the guest) must
# cover the reads fio reported for that launch (seqread_bytes +
# randread_bytes) and exceed them by at most 25% (the guest's own reads:
# the kernel's, toolrun's and fio's binaries and libraries); its last
# wr.bytes on vdc (the data disk at /scratch: vda the rootfs, vdb the
# service description) must likewise cover fio's writes there
# (seqwrite_bytes + randwrite_bytes) and exceed them by at most 25% (ext4's
# journal and metadata).
# The network has no such counter: the VM's user-mode network is given to
# QEMU on its command line, which libvirt does not account.
#
#   check-vm-blockstats.sh
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/vclab-vmblk.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
/usr/bin/python3 - "$work" <<'PY'
import json, re, subprocess, sys, time

work = sys.argv[1]
bench = subprocess.Popen(["bin/vclab", "bench", "--scenarios", "disk", "--backends", "vm",
                          "--peer", "none", "--quiet", "--no-report", "--out", work + "/r"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
last, wr = {}, {}
while bench.poll() is None:
    out = subprocess.run(["virsh", "-c", "qemu:///system", "domstats", "--block", "--list-active"],
                         capture_output=True, text=True).stdout
    dom = None
    for line in out.splitlines():
        m = re.match(r"Domain: '(vclab-[0-9a-f]+-(\d+))'", line)
        if m:
            dom = int(m.group(2))
            continue
        m = re.match(r"\s*block\.(\d+)\.name=(\S+)", line)
        if m and dom is not None:
            cur = m.group(2)
        m = re.match(r"\s*block\.\d+\.(rd|wr)\.bytes=(\d+)", line)
        if m and dom is not None and m.group(1) == "rd" and cur == "vda":
            last[dom] = int(m.group(2))
        if m and dom is not None and m.group(1) == "wr" and cur == "vdc":
            wr[dom] = int(m.group(2))
    time.sleep(0.1)
if bench.returncode != 0:
    sys.exit("check-vm-blockstats: vclab bench failed")
r = json.load(open(work + "/r/results.json"))
runs = r["backends"]["vm"]["disk"]["runs"]
doms = sorted(last)
if len(doms) != len(runs):
    sys.exit("check-vm-blockstats: %d domains seen, %d disk runs" % (len(doms), len(runs)))
fails = 0
def compare(d, what, fio, qemu, disk):
    global fails
    ratio = qemu / fio
    ok = 1.0 <= ratio <= 1.25
    fails += 0 if ok else 1
    print("vm launch %-4d fio %-5s %12d B  QEMU %s %12d B  ratio %.3f  %s"
          % (d, what, fio, disk, qemu, ratio, "ok" if ok else "OUTSIDE [1, 1.25]"))

for d, run in zip(doms, runs):
    compare(d, "read", run["seqread_bytes"] + run["randread_bytes"], last[d], "vda rd.bytes")
    compare(d, "write", run["seqwrite_bytes"] + run["randwrite_bytes"], wr.get(d, 0),
            "vdc wr.bytes")
sys.exit(1 if fails else 0)
PY
