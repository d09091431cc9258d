#!/usr/bin/env bash
# CI check of the deployment files; run from anywhere (it works from the repository root):
#   bash deploy/check.sh
# 1. shellcheck every *.sh under deploy/, plus jobs/personlab, .ci/run and src/test/setup/install-test-tools.sh
# 2. every JSON file under deploy/ and conf/ parses (python3 -m json.tool)
# 3. every YAML file under deploy/ and conf/ parses (yaml.safe_load)
# 4. the Airflow DAGs compile (py_compile; Airflow itself is not needed)
# Installs shellcheck / python3-yaml with apt-get when missing. Stops at the first failure with
# a message naming the file; prints one summary line on success.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fail() { echo "deploy/check.sh: FAIL: $*" >&2; exit 1; }

apt_install() {
  command -v apt-get >/dev/null 2>&1 || fail "$1 is missing and apt-get is not available; install $1"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "$1 is missing; installing it needs root or sudo"
    sudo=(sudo -n)
  fi
  echo "deploy/check.sh: installing $1 (apt-get)" >&2
  local out
  out=$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq 2>&1) \
    || fail "apt-get update failed while installing $1: $out"
  out=$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" 2>&1) \
    || fail "apt-get install $1 failed: $out"
}

command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck
# The YAML parser must be importable by the python3 we run; Debian's package serves
# /usr/bin/python3, so fall back to it when a python3 earlier on PATH lacks yaml.
PY=python3
if ! "$PY" -c 'import yaml' >/dev/null 2>&1; then
  if ! /usr/bin/python3 -c 'import yaml' >/dev/null 2>&1; then apt_install python3-yaml; fi
  PY=/usr/bin/python3
  "$PY" -c 'import yaml' >/dev/null 2>&1 || fail "python3 cannot import yaml even after installing python3-yaml"
fi

# Files, sorted, NUL-safe; conf/ may not exist yet.
dirs=(deploy)
[ -d conf ] && dirs+=(conf)
mapfile -d '' shell_files < <(find deploy -type f -name '*.sh' -print0 | sort -z)
shell_files+=(jobs/personlab .ci/run src/test/setup/install-test-tools.sh)
mapfile -d '' json_files < <(find "${dirs[@]}" -type f -name '*.json' -print0 | sort -z)
mapfile -d '' yaml_files < <(find "${dirs[@]}" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)
mapfile -d '' dag_files < <(find deploy/airflow -type f -name '*.py' -print0 2>/dev/null | sort -z)

for f in "${shell_files[@]}"; do
  [ -f "$f" ] || fail "$f: not found"
  # -x: follow `source` of repository files (stage-lib.sh) relative to the script.
  out=$(shellcheck -x "$f" 2>&1) || fail "shellcheck $f:
$out"
done

for f in "${json_files[@]}"; do
  out=$("$PY" -m json.tool "$f" 2>&1 >/dev/null) || fail "$f is not valid JSON: $out"
done

for f in "${yaml_files[@]}"; do
  out=$("$PY" -c 'import sys, yaml
with open(sys.argv[1]) as fh:
    list(yaml.safe_load_all(fh))' "$f" 2>&1) || fail "$f is not valid YAML: $out"
done

# Compile into a throw-away directory: no __pycache__ left in the repository.
pyc=$(mktemp -d)
trap 'rm -rf "$pyc"' EXIT
for f in "${dag_files[@]}"; do
  out=$("$PY" -c 'import py_compile, sys
py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' "$f" "$pyc/dag.pyc" 2>&1) \
    || fail "$f does not compile: $out"
done

echo "deploy/check.sh: OK: ${#shell_files[@]} shell scripts (shellcheck $(shellcheck --version | awk '/^version:/ {print $2}')), ${#json_files[@]} JSON, ${#yaml_files[@]} YAML, ${#dag_files[@]} DAGs"
