#!/bin/sh
# Outside check of the gvisor placement's startup (docs/gvisor.md): vclab's
# gvisor p50 on the built-in payload must lie within 0.5x-2x of the same
# launch timed by hand -- `runsc create`, loopback up, `runsc start` of a
# bundle holding only the payload, on the platform vclab probed, then curl
# inside the sandbox's network namespace until /healthz answers 200 --
# minutes apart at most.
#
#   check-gvisor-startup.sh      bench gvisor, then time runsc by hand
#
# Everything it makes is under one temporary folder (bundle, runsc's
# --root) and carries its own id (vclab-chk<pid>-N); removed on exit.
set -eu
cd "$(dirname "$0")/.."

runs=${VCLAB_CHECK_RUNS:-9}
if [ "$(id -u)" -ne 0 ]; then
	echo "gvisor-startup: needs root (runsc)" >&2
	exit 2
fi
for t in runsc curl nsenter ip python3; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "gvisor-startup: $t missing (scripts/install-deps.sh)" >&2
		exit 2
	}
done

work=$(mktemp -d /tmp/vclab-gvisor-check.XXXXXX)
name=vclab-chk$$
cleanup() {
	for s in "$work"/state/*.state; do
		[ -e "$s" ] || continue
		id=${s##*:}
		runsc --root "$work/state" delete --force "${id%.state}" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# vclab's figure, and the platform it chose.
bin/vclab bench --backends gvisor --peer none --scenarios startup --runs "$runs" --warmup 1 \
	--quiet --no-report --out "$work/out" >/dev/null
platform=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backends"]["gvisor"]["platform"])' \
	"$work/out/results.json")

# By hand: a bundle with only the payload, read-only root, own namespaces,
# the network mode vclab records (host, inside the sandbox's own netns).
mkdir -p "$work/b/rootfs/proc" "$work/b/rootfs/dev" "$work/state"
cp bin/vclab-payload "$work/b/rootfs/vclab-payload"
(cd "$work/b" && runsc spec -- /vclab-payload --listen 127.0.0.1:8080)
python3 - "$work/b/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["terminal"] = False
c["root"]["readonly"] = True
json.dump(c, open(sys.argv[1], "w"))
PY

runsc_failed() {
	echo "gvisor-startup: runsc $1 of $2 failed:" >&2
	sed 's/^/  /' "$work/run.log" >&2
	exit 1
}

i=0
: >"$work/ms"
while [ "$i" -le "$runs" ]; do # run 0 is a warm-up, not kept
	c=$name-$i
	t0=$(date +%s%N)
	# create, loopback up, start: as vclab does (runsc leaves the sandbox
	# namespace's loopback down in host network mode). Brought up after a
	# `run --detach` instead, it raced the payload's bind to 127.0.0.1,
	# which failed while lo was down: the sandbox then never answered.
	runsc --root "$work/state" --platform="$platform" --network=host create \
		--pid-file "$work/pid" --bundle "$work/b" "$c" >"$work/run.log" 2>&1 ||
		runsc_failed create "$c"
	pid=$(cat "$work/pid")
	nsenter -t "$pid" -n ip link set lo up
	runsc --root "$work/state" --platform="$platform" --network=host start "$c" \
		>>"$work/run.log" 2>&1 || runsc_failed start "$c"
	tries=0
	until [ "$(nsenter -t "$pid" -n curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		http://127.0.0.1:8080/healthz 2>/dev/null)" = 200 ]; do
		tries=$((tries + 1))
		if [ "$tries" -gt 2000 ]; then
			echo "gvisor-startup: $c never answered 200" >&2
			exit 1
		fi
	done
	t1=$(date +%s%N)
	[ "$i" -gt 0 ] && echo "$(((t1 - t0) / 1000))" >>"$work/ms"
	runsc --root "$work/state" delete --force "$c" >/dev/null
	i=$((i + 1))
done

python3 - "$work/out/results.json" "$work/ms" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
by_hand = [int(l) / 1000.0 for l in open(sys.argv[2]) if l.strip()]
g = r["backends"]["gvisor"]
vclab = g["startup_ms"]["p50"]
ref = statistics.median(by_hand)
ratio = vclab / ref
ok = 0.5 <= ratio <= 2.0
print("gvisor-startup: vclab gvisor (%s, network %s) p50 %.1f ms, by hand `runsc create/start` "
      "+ curl p50 %.1f ms (n=%d), ratio %.2f, allowed 0.5-2: %s"
      % (g["platform"], g["network"], vclab, ref, len(by_hand), ratio, "ok" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
