#!/usr/bin/python3
# Outside check of the VM's network figures (docs/resources.md): the bytes
# QEMU's own forwarding socket moved against the bytes iperf3 reports.
#
# The VM's user-mode network (slirp) is given to QEMU on its command line,
# which libvirt does not account (`virsh domstats --interface` has nothing
# for it), and QEMU 7.2 offers no counter for it either (query-stats is
# KVM's statistics only; `info usernet` shows queues, not totals). What
# does count every byte is the host kernel: slirp's host forward accepts
# the client's connection on 127.0.0.1 with a socket QEMU owns, and that
# socket's TCP counters are QEMU's traffic with the host. So while
# `vclab bench --scenarios net --backends vm` runs with its forwards on
# known ports (--vm-host-port BASE: launch n on BASE+n), `ss -tinE`
# reports each socket on those local ports as it is destroyed, with its
# final tcp_info. Per launch, QEMU's largest bytes_received (iperf3's data
# stream host->guest) must cover the bytes the guest's iperf3 server says
# it received (send_bytes in runs[]), and its largest bytes_acked
# (guest->host, -R) the bytes the host's client received (recv_bytes); each
# may exceed them by at most 25% (what slirp and the guest's socket still
# held when iperf3 stopped counting, and the stream's 37-byte cookie).
# Only reads the host's socket table; the traffic stays on 127.0.0.1.
#
#   check-vm-netstats.py

import json, os, re, shutil, signal, socket, subprocess, sys, tempfile

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
work = tempfile.mkdtemp(prefix="vclab-vmnet.")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally below cleans up
SPAN = 64


def free_base():
    """A base port with BASE..BASE+SPAN-1 free on 127.0.0.1 now."""
    for base in range(43100, 60000, SPAN):
        socks = []
        try:
            for p in range(base, base + SPAN):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    sys.exit("check-vm-netstats: no free port range on 127.0.0.1")

def main():
    base = free_base()
    filt = "( sport >= :%d and sport < :%d )" % (base, base + SPAN)
    ss = subprocess.Popen(["stdbuf", "-oL", "ss", "-tinHE", filt], stdout=open(work + "/ss", "w"),
                          stderr=subprocess.DEVNULL)
    try:
        rc = subprocess.run(["bin/vclab", "bench", "--scenarios", "net", "--backends", "vm",
                             "--peer", "none", "--vm-host-port", str(base), "--quiet",
                             "--no-report", "--out", work + "/r"],
                            stdout=subprocess.DEVNULL, stderr=open(work + "/bench.log", "w")).returncode
    finally:
        ss.terminate()
        ss.wait()
    if rc != 0:
        sys.stderr.write(open(work + "/bench.log").read())
        sys.exit("check-vm-netstats: vclab bench failed")

    # ss prints each destroyed socket as a state line and an indented info line.
    qemu = {}  # port -> [max bytes_received, max bytes_acked]
    port = None
    for line in open(work + "/ss"):
        if not line[0].isspace():
            m = re.search(r"127\.0\.0\.1\]?:(\d+)\s", line)
            port = int(m.group(1)) if m else None
            continue
        if port is None:
            continue
        got = qemu.setdefault(port, [0, 0])
        for i, k in enumerate(("bytes_received", "bytes_acked")):
            m = re.search(k + r":(\d+)", line)
            if m:
                got[i] = max(got[i], int(m.group(1)))
    runs = json.load(open(work + "/r/results.json"))["backends"]["vm"]["net"]["runs"]
    ports = sorted(p for p in qemu if qemu[p][0] > 1 << 20)
    if len(ports) != len(runs):
        sys.exit("check-vm-netstats: %d forwards carried a stream, %d net runs" % (len(ports), len(runs)))
    fails = 0
    for p, run in zip(ports, runs):
        for name, q, tool in (("send", qemu[p][0], run["send_bytes"]),
                              ("recv", qemu[p][1], run["recv_bytes"])):
            ratio = q / tool if tool > 0 else float("inf")
            ok = 1.0 <= ratio <= 1.25
            fails += 0 if ok else 1
            print("vm launch %-3d %s  iperf3 %12d B  QEMU's socket %12d B  ratio %.3f  %s"
                  % (p - base, name, tool, q, ratio, "ok" if ok else "OUTSIDE [1, 1.25]"))
    return 1 if fails else 0


try:
    sys.exit(main())
finally:
    shutil.rmtree(work, ignore_errors=True)
