#!/usr/bin/env bash
# Installs what the browser and notebook tests need, from Debian's packages, when missing:
#   chromium, chromium-driver          (ReportBrowser: /usr/bin/chromium, /usr/bin/chromedriver)
#   jupyter-nbconvert, python3-ipykernel, python3-pandas, python3-matplotlib
#                                      (NotebookRunner: jupyter nbconvert --execute, python3 kernel)
# Idempotent: a no-op (one line) when everything is present. `mvn verify` runs it before the tests
# (exec-maven-plugin in pom.xml, phase process-test-resources; skipped with -DskipTests); run it by
# hand with `bash src/test/setup/install-test-tools.sh`. Installs with apt-get as root, or with
# `sudo -n` otherwise; fails with a message naming what is missing when neither is possible.
set -euo pipefail

me="install-test-tools.sh"
fail() { echo "$me: FAIL: $*" >&2; exit 1; }

# The tests use Debian's interpreter, not a python3 earlier on PATH (pyenv, conda).
PY=/usr/bin/python3

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
[ -x /usr/bin/jupyter-nbconvert ] || command -v jupyter-nbconvert >/dev/null 2>&1 || missing+=(jupyter-nbconvert)
py_has() { [ -x "$PY" ] && "$PY" -c "import $1" >/dev/null 2>&1; }
py_has ipykernel || missing+=(python3-ipykernel)
py_has pandas || missing+=(python3-pandas)
py_has matplotlib || missing+=(python3-matplotlib)

if [ "${#missing[@]}" -eq 0 ]; then
  echo "$me: OK: chromium, chromedriver, jupyter-nbconvert, python3 ipykernel/pandas/matplotlib present"
  exit 0
fi

what="${missing[*]}"
command -v apt-get >/dev/null 2>&1 \
  || fail "missing: $what; apt-get is not available: install these packages (Debian names) by hand"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 \
    || fail "missing: $what; installing them needs root or sudo: run 'apt-get install $what' as root"
  sudo=(sudo -n)
fi

echo "$me: installing $what (apt-get)" >&2
out=$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq 2>&1) \
  || fail "apt-get update failed while installing $what: $out"
out=$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" 2>&1) \
  || fail "apt-get install $what failed: $out"

# Check again: a package that installed but did not give what the tests call is a failure here,
# not a confusing one later.
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || fail "chromium still missing after apt-get install"
[ -x /usr/bin/chromedriver ] || command -v chromedriver >/dev/null 2>&1 || fail "chromedriver still missing after installing chromium-driver"
[ -x /usr/bin/jupyter-nbconvert ] || command -v jupyter-nbconvert >/dev/null 2>&1 || fail "jupyter-nbconvert still missing after apt-get install"
for m in ipykernel pandas matplotlib; do
  py_has "$m" || fail "$PY cannot import $m after apt-get install"
done
echo "$me: OK: installed $what"
