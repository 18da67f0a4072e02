# Sourced by integration tests: small assertions that print what differs, and a temp dir.
# Each test script: `source "$(dirname "$0")/lib/assert.sh"`; exit status 0 = pass.
set -euo pipefail
: "${TOLLGATE:?TOLLGATE must name the tollgate binary}"
: "${TOLLGATE_BUILD_DIR:?}" "${TOLLGATE_SOURCE_DIR:?}" "${TOLLGATE_SHARED_DATA:?}"
export TZ=UTC LC_ALL=C

failures=0
checks=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-it.XXXXXX")
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT

pass() { checks=$((checks + 1)); echo "ok: $*"; }
failed() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*" >&2; }

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() {
  if [ "$1" == "$2" ]; then pass "$3"; else failed "$3: got '$1', expected '$2'"; fi
}
# expect_contains HAYSTACK NEEDLE MESSAGE
expect_contains() {
  if [[ "$1" == *"$2"* ]]; then pass "$3"; else failed "$3: '$2' not in: ${1:0:600}"; fi
}
expect_not_contains() {
  if [[ "$1" != *"$2"* ]]; then pass "$3"; else failed "$3: '$2' unexpectedly in: ${1:0:600}"; fi
}
# run_rc CMD...: runs, captures stdout/stderr into $OUT/$ERR and the exit code into $RC.
run_rc() {
  set +e
  "$@" >"$TMP/.out" 2>"$TMP/.err" </dev/null
  RC=$?
  set -e
  OUT=$(cat "$TMP/.out")
  ERR=$(cat "$TMP/.err")
}
finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# skip_unless_tools TOOL...: when a command is not on PATH, print one SKIP line naming every
# missing one and end the test as passed (scripts/deps.sh test installs them).
skip_unless_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "SKIP: missing ${missing[*]} (scripts/deps.sh test)"
    exit 0
  fi
}

# cached_fixture NAME SCRIPT: runs `bash SCRIPT DIR` once per content of SCRIPT, into
# $TOLLGATE_BUILD_DIR/cache/NAME-<hash>, and prints DIR. A build that fails leaves nothing cached.
cached_fixture() {
  local key dir
  key=$(sha256sum "$2" | cut -c1-16)
  dir=$TOLLGATE_BUILD_DIR/cache/$1-$key
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir.tmp"
    # Command substitution clears `set -e`: every step checks its own status.
    bash "$2" "$dir.tmp" >&2 || return 1
    touch "$dir.tmp/.done" && rm -rf "$dir" && mv "$dir.tmp" "$dir" || return 1
  fi
  echo "$dir"
}
