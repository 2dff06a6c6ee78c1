#!/bin/sh
# deploy/k8s rendered with `kubectl kustomize` (no cluster: rendered, not
# run), base and the cloud overlay, and the rendered Job checked: a
# privileged pod with hostPID on the pool's nodeSelector, the ConfigMap it
# reads generated under the name it refers to, the class per overlay, and
# results.json on a hostPath and after the marker on stdout.
set -eu
cd "$(dirname "$0")/../.."
command -v kubectl >/dev/null || { echo "check-k8s: kubectl missing (scripts/install-deps.sh)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/vclab-k8s.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for o in base:metal:bare-metal overlays/cloud:cloud:cloud-vm; do
	dir=${o%%:*}
	rest=${o#*:}
	kubectl kustomize "deploy/k8s/$dir" >"$tmp/out.yaml"
	/usr/bin/python3 - "$tmp/out.yaml" "${rest%%:*}" "${rest#*:}" "$dir" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
klass, pool, name = sys.argv[2], sys.argv[3], sys.argv[4]
jobs = [d for d in docs if d["kind"] == "Job"]
cms = {d["metadata"]["name"]: d for d in docs if d["kind"] == "ConfigMap"}
assert len(jobs) == 1, f"{name}: {len(jobs)} Jobs"
pod = jobs[0]["spec"]["template"]["spec"]
c = pod["containers"][0]
assert c["securityContext"]["privileged"] is True, "not privileged"
assert pod["hostPID"] is True, "no hostPID"
assert pod["nodeSelector"] == {"vclab.io/pool": pool}, pod["nodeSelector"]
assert pod["restartPolicy"] == "Never"
refs = {e["valueFrom"]["configMapKeyRef"]["name"] for e in c["env"] if "configMapKeyRef" in e.get("valueFrom", {})}
assert len(refs) == 1 and refs <= set(cms), (refs, list(cms))
assert cms[refs.pop()]["data"]["HOST_CLASS"] == klass
vols = {v["name"]: v for v in pod["volumes"]}
assert vols["results"]["hostPath"]["path"] == "/var/lib/vclab-fleet"
assert "--host-class" in c["args"][0] and "---- vclab results.json ----" in c["args"][0]
print(f"check-k8s: {name}: Job {jobs[0]['metadata']['name']} on pool {pool}, class {klass}, privileged, hostPID")
PY
done
