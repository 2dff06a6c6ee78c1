#!/bin/sh
# make check-fleet: the fleet playbook (deploy/ansible) for real, on this
# machine, over SSH (docs/fleet.md):
#   - a throwaway key pair and host key, and a private sshd on 127.0.0.1 on
#     a free port with its own config, pid file and log, all in a temp
#     folder (the host's own sshd and /etc/ssh are never touched);
#   - an inventory of two hosts in two classes (metal-a, cloud-b), both
#     127.0.0.1 over that sshd, their state kept apart (each its own work
#     folder and VCLAB_CACHE), and a third host (gone-c) on a closed port;
#   - the playbook installs the .deb (once: the second host finds it
#     installed and apt leaves it), runs a short bare+ctr bench on each,
#     one host at a time, fetches results.json, writes the merged report
#     and the per-class advice;
#   - checks: two hosts' results in two classes, gone-c unreachable in the
#     report and the advice, one install in dpkg's log, metal-a's
#     OpenMetrics file in its node_exporter textfile folder;
#   - nothing left: sshd stopped by its pid, keys and state removed, the
#     package purged, neither bench's run folder left in /run/vclab;
#     checked at the end.
# usage: check-fleet.sh build/deb/vclab_VERSION_amd64.deb  (as root)
set -eu
cd "$(dirname "$0")/.."
tree=$(pwd)
deb=$(readlink -f "$1")
tmp=$(mktemp -d /tmp/vclab-fleet.XXXXXX)
sshd_pid=""
made_privsep=0
installed=0

fail() {
	echo "check-fleet: $*" >&2
	exit 1
}

# sshd's session processes (one per connection, children of the listener)
# and the listener itself, by pid. With ControlMaster off (ANSIBLE_SSH_ARGS
# below) no session outlives its task; this catches one that would.
teardown() {
	if [ -n "$sshd_pid" ] && kill -0 "$sshd_pid" 2>/dev/null; then
		for child in $(pgrep -P "$sshd_pid" 2>/dev/null); do
			kill "$child" 2>/dev/null || true
		done
		kill "$sshd_pid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$sshd_pid" 2>/dev/null || break
			sleep 0.2
		done
	fi
	sshd_pid=""
	[ "$installed" = 1 ] && dpkg --purge vclab >/dev/null 2>&1
	installed=0
	[ "$made_privsep" = 1 ] && rmdir /run/sshd 2>/dev/null
	made_privsep=0
	rm -rf "$tmp"
}
trap teardown EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || fail "must run as root (dpkg, vclab bench)"
[ -f "$deb" ] || fail "$1: no such package (make deb)"
if dpkg-query -W -f='${Status}' vclab 2>/dev/null | grep -q installed; then
	fail "a vclab package is already installed here: not touching it"
fi
for c in ansible-playbook ssh ssh-keygen /usr/sbin/sshd; do
	command -v "$c" >/dev/null || fail "$c missing (scripts/install-deps.sh)"
done
# The sshd processes there are before (none where the host runs no sshd):
# the same set must be there after.
sshd_before=$(pgrep -x sshd 2>/dev/null | sort | tr '\n' ' ')
dpkg_before=$(grep -c ' status installed vclab:' /var/log/dpkg.log 2>/dev/null || true)

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
closed=$(free_port)
[ "$port" != "$closed" ] || closed=$(free_port)

echo "== private sshd on 127.0.0.1:$port (config, host key, pid file in $tmp)"
ssh-keygen -q -t ed25519 -N '' -C vclab-check-fleet -f "$tmp/id"
ssh-keygen -q -t ed25519 -N '' -C vclab-check-fleet-host -f "$tmp/hostkey"
cp "$tmp/id.pub" "$tmp/authorized_keys"
chmod 0600 "$tmp/authorized_keys"
cat >"$tmp/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $tmp/hostkey
PidFile $tmp/sshd.pid
AuthorizedKeysFile $tmp/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowUsers root@127.0.0.1
X11Forwarding no
AllowTcpForwarding no
Subsystem sftp internal-sftp
LogLevel ERROR
CFG
# sshd's privilege separation folder is compiled in; made here only when
# missing, and removed again.
if [ ! -d /run/sshd ]; then
	mkdir -m 0755 /run/sshd
	made_privsep=1
fi
/usr/sbin/sshd -t -f "$tmp/sshd_config" || fail "sshd -t rejects the config"
/usr/sbin/sshd -f "$tmp/sshd_config" -E "$tmp/sshd.log"
for _ in $(seq 50); do
	[ -s "$tmp/sshd.pid" ] && break
	sleep 0.1
done
sshd_pid=$(cat "$tmp/sshd.pid" 2>/dev/null) || fail "sshd did not start: $(cat "$tmp/sshd.log")"

mkdir -p "$tmp/hosts/metal-a/textfile" "$tmp/hosts/cloud-b" "$tmp/fleet" "$tmp/ansible"
cat >"$tmp/inventory.yml" <<INV
all:
  vars:
    ansible_user: root
    ansible_port: $port
    ansible_ssh_private_key_file: $tmp/id
    ansible_ssh_common_args: >-
      -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
      -o IdentitiesOnly=yes -o ConnectTimeout=5
    ansible_python_interpreter: /usr/bin/python3
  children:
    vclab:
      hosts:
        metal-a:
          ansible_host: 127.0.0.1
          vclab_host_class: metal
          vclab_workdir: $tmp/hosts/metal-a
          vclab_env: {VCLAB_CACHE: $tmp/hosts/metal-a/cache}
          vclab_textfile_dir: $tmp/hosts/metal-a/textfile
        cloud-b:
          ansible_host: 127.0.0.1
          vclab_host_class: cloud
          vclab_workdir: $tmp/hosts/cloud-b
          vclab_env: {VCLAB_CACHE: $tmp/hosts/cloud-b/cache}
        gone-c:
          ansible_host: 127.0.0.1
          ansible_port: $closed
          vclab_host_class: old
          vclab_workdir: $tmp/hosts/gone-c
INV
cat >"$tmp/extra.yml" <<EXTRA
vclab_deb: $deb
vclab_run: check
vclab_serial: 1
vclab_fleet_dir: $tmp/fleet
vclab_controller_vclab: $tree/bin/vclab
vclab_advise_inputs: [$tree/docs/examples/web-api.yaml, $tree/docs/examples/plugin-runner.yaml]
vclab_bench_args: [--backends, "bare,ctr", --peer, none, --scenarios, startup, --runs, "5", --warmup, "1"]
EXTRA

echo "== ansible-playbook deploy/ansible/fleet.yml (3 hosts, one at a time)"
installed=1
rc=0
ANSIBLE_HOME=$tmp/ansible ANSIBLE_LOCAL_TEMP=$tmp/ansible/local \
	ANSIBLE_REMOTE_TEMP=$tmp/ansible/remote ANSIBLE_ROLES_PATH=$tree/deploy/ansible/roles \
	ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_NOCOLOR=1 \
	ANSIBLE_SSH_CONTROL_PATH_DIR=$tmp/ansible/cp ANSIBLE_SSH_ARGS="-o ControlMaster=no" \
	ansible-playbook -i "$tmp/inventory.yml" -e "@$tmp/extra.yml" \
	"$tree/deploy/ansible/fleet.yml" >"$tmp/playbook.log" 2>&1 || rc=$?
grep -E '^(PLAY|TASK|ok:|changed:|fatal:|failed:|skipping:|.*unreachable)' "$tmp/playbook.log" | tail -n 60 || true
sed -n '/PLAY RECAP/,$p' "$tmp/playbook.log"
[ "$rc" = 0 ] || { cat "$tmp/playbook.log" >&2; fail "ansible-playbook exited $rc"; }

echo "== checks"
run=$tmp/fleet/check
/usr/bin/python3 - "$run" >"$tmp/checks.out" <<'PY' || { cat "$tmp/checks.out"; fail "results do not match"; }
import json, sys
run = sys.argv[1]
for host, klass in (("metal-a", "metal"), ("cloud-b", "cloud")):
    d = json.load(open(f"{run}/{host}/results.json"))
    assert d["host"].get("class") == klass, (host, d["host"].get("class"))
    assert "error" not in d, (host, d.get("error"))
    for b in ("bare", "ctr"):
        n = d["backends"][b]["startup_ms"]["n"]
        assert n == 5, (host, b, n)
    print(f"   {host}: class {klass}, bare and ctr startup n=5, run {d['run_id']}")
g = json.load(open(f"{run}/gone-c/results.json"))
assert g["host"]["class"] == "old" and g["error"].startswith("unreachable"), g
print(f"   gone-c: {g['error'][:100]}")
PY
cat "$tmp/checks.out"
# The runs' own folders under /run/vclab, checked after the teardown (other
# jobs on this machine may have theirs there meanwhile).
our_runs=$(sed -n 's/.*, run \([0-9a-zA-Z]*\)$/\1/p' "$tmp/checks.out")
md=$run/report/report.md
[ -f "$md" ] || fail "no merged report $md"
grep -q '^## Host classes' "$md" || fail "report: no Host classes section"
grep -q '3 hosts in 3 classes' "$md" || fail "report: not 3 hosts in 3 classes"
grep -q '^| placement | cloud | old | metal |' "$md" || fail "report: no column per class"
grep -q 'Host gone-c (class old) gave no results: unreachable' "$md" ||
	fail "report: gone-c not shown as unreachable"
echo "   report: 3 hosts in 3 classes, a column per class, gone-c unreachable"
adv=$run/advice.txt
grep -q '^vclab advise: 2 host classes: cloud (host .*), metal (host .*)' "$adv" ||
	fail "advice: not per class: $(head -3 "$adv")"
grep -q 'no results from host gone-c (class old): unreachable' "$adv" ||
	fail "advice: gone-c not named"
echo "   advice: 2 classes judged, gone-c named as unreachable"
prom=$tmp/hosts/metal-a/textfile/vclab.prom
[ -s "$prom" ] || fail "metal-a: no $prom (vclab_textfile_dir)"
grep -q '^vclab_startup_seconds{.*placement="ctr"' "$prom" || fail "metal-a: $prom has no ctr startup"
if command -v promtool >/dev/null; then
	promtool check metrics <"$prom" >/dev/null 2>&1 || fail "promtool rejects $prom"
fi
[ ! -e "$tmp/hosts/cloud-b/textfile" ] || fail "cloud-b wrote a textfile it was not asked for"
echo "   textfile: metal-a's vclab.prom for node_exporter passes promtool check metrics"
dpkg_after=$(grep -c ' status installed vclab:' /var/log/dpkg.log 2>/dev/null || true)
[ $((dpkg_after - dpkg_before)) = 1 ] ||
	fail "the package was installed $((dpkg_after - dpkg_before)) times, want once"
echo "   package: installed once for two hosts (apt left the unchanged package alone)"

echo "== teardown"
pid=$sshd_pid
teardown
trap - EXIT
kill -0 "$pid" 2>/dev/null && fail "sshd $pid still runs"
sshd_after=$(pgrep -x sshd 2>/dev/null | sort | tr '\n' ' ')
[ "$sshd_after" = "$sshd_before" ] || fail "sshd processes left: before [$sshd_before], after [$sshd_after]"
[ ! -e "$tmp" ] || fail "$tmp left behind"
dpkg-query -W -f='${Status}' vclab 2>/dev/null | grep -q installed && fail "vclab still installed"
for r in $our_runs; do
	[ ! -e "/run/vclab/$r" ] || fail "run folder /run/vclab/$r left behind"
done
echo "check-fleet: ok: 2 hosts in 2 classes over SSH, 1 unreachable reported, nothing left behind"
