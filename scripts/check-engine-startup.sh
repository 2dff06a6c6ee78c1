#!/bin/sh
# Outside check of the podman peer's startup (docs/metrics.md, "Engines"):
# vclab's podman p50 on an image must lie within 0.5x-2x of the same launch
# timed by hand -- `podman run -d` of the image, then curl inside the
# container's network namespace until it answers 200 -- minutes apart at
# most, on the same busybox httpd image (tests/image/build-busybox.sh).
#
#   check-engine-startup.sh        bench ctr + podman on the image, then time by hand
#
# Everything it makes carries its own name (vclab-chk<pid>, the image
# localhost/vclab-chk<pid>:svc) and is removed on exit.
set -eu
cd "$(dirname "$0")/.."

runs=${VCLAB_CHECK_RUNS:-9}
if [ "$(id -u)" -ne 0 ]; then
	echo "engine-startup: needs root (rootful podman)" >&2
	exit 2
fi
for t in podman skopeo umoci curl nsenter python3; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "engine-startup: $t missing (scripts/install-deps.sh)" >&2
		exit 2
	}
done

work=$(mktemp -d /tmp/vclab-engine-check.XXXXXX)
name=vclab-chk$$
tag=localhost/$name:svc
cleanup() {
	for c in $(podman ps -aq --filter "name=^$name-" 2>/dev/null); do
		podman rm -f -t 0 "$c" >/dev/null 2>&1 || true
	done
	podman rmi -f "$tag" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

tests/image/build-busybox.sh "$work/oci" >/dev/null

# vclab's figure: the podman peer on the image, beside ctr.
VCLAB_CACHE=$work/cache bin/vclab bench --image "oci:$work/oci:latest" --name bbhttpd \
	--backends ctr --peer podman --scenarios startup --runs "$runs" --warmup 1 \
	--quiet --no-report --out "$work/out" >/dev/null

# By hand: the same image loaded into podman (as vclab does, never pulled),
# run as a user would, with only what this host needs (runc, the rlimits
# podman's defaults exceed; docs/ctr.md) and loopback-only networking.
skopeo --insecure-policy copy --quiet "oci:$work/oci:latest" "docker-archive:$work/img.tar:$tag"
podman load -q -i "$work/img.tar" >/dev/null
# Hard limits from /proc (dash's ulimit has no -u).
nofile=$(awk '/^Max open files/ {print $5}' /proc/self/limits)
nproc=$(awk '/^Max processes/ {print $4}' /proc/self/limits)
pidmax=$(cat /proc/sys/kernel/pid_max)
if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pidmax" ]; then nproc=$pidmax; fi
[ "$nofile" = unlimited ] && nofile=1048576

i=0
: >"$work/ms"
while [ "$i" -le "$runs" ]; do # run 0 is a warm-up, not kept
	c=$name-$i
	t0=$(date +%s%N)
	podman run -d --rm --runtime runc --pull never --name "$c" --network none \
		--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
		--pidfile "$work/pid" --entrypoint /bin/httpd "$tag" -f -p 8080 -h /www >/dev/null
	pid=$(cat "$work/pid")
	tries=0
	until [ "$(nsenter -t "$pid" -n curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
		http://127.0.0.1:8080/ 2>/dev/null)" = 200 ]; do
		tries=$((tries + 1))
		if [ "$tries" -gt 2000 ]; then
			echo "engine-startup: $c never answered 200" >&2
			exit 1
		fi
	done
	t1=$(date +%s%N)
	[ "$i" -gt 0 ] && echo "$(((t1 - t0) / 1000))" >>"$work/ms"
	podman rm -f -t 0 "$c" >/dev/null
	i=$((i + 1))
done

python3 - "$work/out/results.json" "$work/ms" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
by_hand = [int(l) / 1000.0 for l in open(sys.argv[2]) if l.strip()]
svc = r["services"]["bbhttpd"]
vclab = svc["peers"]["podman"]["startup_ms"]["p50"]
ctr = svc["backends"]["ctr"]["startup_ms"]["p50"]
ref = statistics.median(by_hand)
ratio = vclab / ref
ok = 0.5 <= ratio <= 2.0
print("engine-startup: vclab podman p50 %.1f ms (ctr %.1f ms), by hand `podman run -d` + curl "
      "p50 %.1f ms (n=%d), ratio %.2f, allowed 0.5-2: %s"
      % (vclab, ctr, ref, len(by_hand), ratio, "ok" if ok else "FAIL"))
sys.exit(0 if ok else 1)
PY
