#!/bin/sh
# deploy/ansible statically: `ansible-playbook --syntax-check` on the
# playbook with its role, and ansible-lint (Debian's, production profile)
# on both. The run itself is make check-fleet.
set -eu
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/vclab-ansible.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for c in ansible-playbook ansible-lint; do
	command -v "$c" >/dev/null || { echo "check-ansible: $c missing (scripts/install-deps.sh)" >&2; exit 1; }
done
printf 'all:\n  children:\n    vclab:\n      hosts:\n        h1: {}\n' >"$tmp/inventory.yml"
export ANSIBLE_HOME="$tmp/home" ANSIBLE_LOCAL_TEMP="$tmp/local" ANSIBLE_NOCOLOR=1
export ANSIBLE_ROLES_PATH="$PWD/deploy/ansible/roles"
ansible-playbook -i "$tmp/inventory.yml" --syntax-check deploy/ansible/fleet.yml >"$tmp/syntax.log" 2>&1 ||
	{ cat "$tmp/syntax.log" >&2; echo "check-ansible: --syntax-check failed" >&2; exit 1; }
(cd deploy/ansible && HOME="$tmp" ansible-lint --nocolor -p fleet.yml roles/vclab) >"$tmp/lint.log" 2>&1 ||
	{ cat "$tmp/lint.log" >&2; echo "check-ansible: ansible-lint failed" >&2; exit 1; }
echo "check-ansible: --syntax-check and ansible-lint (production profile) pass: $(tail -n 1 "$tmp/lint.log")"
