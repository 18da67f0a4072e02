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
