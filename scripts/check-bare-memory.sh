#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Outside check of the bare memory figure (backends.bare.memory.pss_kib).
# Runs `vclab bench --backends bare --scenarios memory`, then starts the same
# payload by hand, as many copies side by side as the run did (PSS divides
# shared pages among the processes that map them, so the count matters),
# reads each one's /proc/PID/smaps_rollup itself, and compares the mean Pss
# with results.json. Passes when they agree within 10%.
#
# usage: scripts/check-bare-memory.sh [RESULTS_DIR]
#   RESULTS_DIR: check an existing run's results.json instead of running one.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
payload=$root/bin/vclab-payload
tol=10

if [ $# -ge 1 ]; then
	out=$1
else
	out=$(mktemp -d /tmp/vclab-check-bare-memory.XXXXXX)
	"$root/bin/vclab" bench --backends bare --peer none --scenarios memory --quiet \
		--no-report --out "$out" >/dev/null
fi
res=$out/results.json
vclab_pss=$(jq -r '.backends.bare.memory.pss_kib // empty' "$res")
n=$(jq -r '.backends.bare.memory.instances // empty' "$res")
if [ -z "$vclab_pss" ] || [ -z "$n" ]; then
	echo "check-bare-memory: FAIL: no backends.bare.memory.pss_kib in $res" >&2
	exit 1
fi

pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

i=0
while [ "$i" -lt "$n" ]; do
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$payload" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
	pids="$pids $!"
	ports="${ports:-} $port"
	i=$((i + 1))
done
for port in $ports; do
	t=0
	until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
		t=$((t + 1))
		[ "$t" -lt 500 ] || { echo "check-bare-memory: FAIL: payload on $port never answered" >&2; exit 1; }
		sleep 0.01
	done
done
# Idle as vclab's instances were when sampled (it settles 300 ms).
sleep 0.3
sum=0
for p in $pids; do
	pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
	echo "by hand: payload pid $p Pss $pss kB"
	sum=$((sum + pss))
done
hand=$(awk -v s="$sum" -v n="$n" 'BEGIN {printf "%.1f", s / n}')
echo "by hand: mean Pss of $n payload(s): $hand KiB"
echo "vclab:   backends.bare.memory.pss_kib: $vclab_pss KiB ($res)"
awk -v a="$hand" -v b="$vclab_pss" -v tol="$tol" 'BEGIN {
	d = (a > b ? a - b : b - a) / a * 100
	printf "difference: %.1f%% (limit %d%%)\n", d, tol
	exit d <= tol ? 0 : 1
}' && echo "check-bare-memory: OK" || { echo "check-bare-memory: FAIL" >&2; exit 1; }
