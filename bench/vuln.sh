#!/usr/bin/env bash
# tollgate db import / vuln speed, in one run:
#   1. import of every advisory in the shared data (../shared/data/osv: the per-ecosystem all.zip
#      exports, the malicious-packages records, the osv.dev fixtures), into a fresh store each
#      run; next to it the bare cost of inflating the same zips (`unzip -p`, the floor any
#      importer pays), and a re-import where everything is unchanged;
#   2. matching: the SBOM of a debootstrap bookworm root (tests/integration/lib/rootfs.sh), and
#      a generated npm lock of 5,000 packages (the advisories' own packages at vulnerable
#      versions among generated names); the match step alone (what `vuln` reports as "matched
#      in") and the whole command;
#   3. the peer where one exists: `npm audit --package-lock-only` on a real npm project's lock
#      (it asks the npm registry, so it only runs online; NPM_AUDIT=0 skips it).
# Goals (issue 4): import >= 20,000 advisories/s; match < 100 ms for 5,000 components.
#
# usage: bench/vuln.sh     (RUNS=N timed runs, median reported; BUILD=dir for another build dir)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$here/build}
RUNS=${RUNS:-5}
TOLLGATE=${TOLLGATE:-$BUILD/tollgate}
SHARED=${TOLLGATE_SHARED_DATA:-$here/../shared/data}
OSV=$SHARED/osv
export TOLLGATE_BUILD_DIR=$BUILD TZ=UTC LC_ALL=C
OUT=$BUILD/bench-vuln
rm -rf "$OUT"; mkdir -p "$OUT"

[ -x "$TOLLGATE" ] || { echo "bench: build first (make build)" >&2; exit 2; }
[ -d "$OSV" ] || { echo "bench: no shared OSV data at $OSV" >&2; exit 2; }
TIME=$(type -P time) || { echo "bench: needs GNU time (scripts/deps.sh bench)" >&2; exit 2; }

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# timed CMD...: runs once; prints "wall cpu" seconds (cpu = user + sys).
timed() {
  "$TIME" -f '%e %U %S' -o "$OUT/.time" "$@" >/dev/null 2>"$OUT/.err"
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$OUT/.time"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf (b > 0 ? "%.1f" : "n/a"), a / b }'; }

# ---- 1. import -----------------------------------------------------------------------------------
mapfile -t zips < <(find "$OSV" -name '*.zip' | sort)
loose=$(find "$OSV/malicious" -name '*.json' | wc -l)
members=$(for z in "${zips[@]}"; do unzip -Z1 "$z" | grep -c '\.json$'; done | awk '{s+=$1} END {print s}')
total=$((members + loose))
: >"$OUT/import"; : >"$OUT/unzip"; : >"$OUT/reimport"
for i in $(seq "$RUNS"); do
  rm -f "$OUT"/store.db*
  timed "$TOLLGATE" db import -q --store "sqlite:$OUT/store.db" "${zips[@]}" "$OSV/malicious" >>"$OUT/import"
  timed bash -c 'for z in "$@"; do unzip -p "$z"; done' unzip "${zips[@]}" >>"$OUT/unzip"
  timed "$TOLLGATE" db import -q --store "sqlite:$OUT/store.db" "${zips[@]}" "$OSV/malicious" >>"$OUT/reimport"
done
col() { awk -v c="$1" '{print $c}' "$2" | median; }
imp_wall=$(col 1 "$OUT/import"); imp_cpu=$(col 2 "$OUT/import")
unz_wall=$(col 1 "$OUT/unzip"); unz_cpu=$(col 2 "$OUT/unzip")
re_wall=$(col 1 "$OUT/reimport"); re_cpu=$(col 2 "$OUT/reimport")
stored=$("$TOLLGATE" db status --store "sqlite:$OUT/store.db" --format json |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["advisories"])')
rate() { awk -v n="$total" -v s="$1" 'BEGIN { printf (s > 0 ? "%.0f" : "n/a"), n / s }'; }
echo "== import: $total advisory documents ($stored distinct advisories stored), median of $RUNS"
printf '%-34s %8s %8s %12s %12s\n' "" "wall s" "cpu s" "adv/s wall" "adv/s cpu"
printf '%-34s %8s %8s %12s %12s\n' "tollgate db import (fresh store)" "$imp_wall" "$imp_cpu" "$(rate "$imp_wall")" "$(rate "$imp_cpu")"
printf '%-34s %8s %8s %12s %12s\n' "tollgate db import (all unchanged)" "$re_wall" "$re_cpu" "$(rate "$re_wall")" "$(rate "$re_cpu")"
printf '%-34s %8s %8s\n' "unzip -p of the same zips (floor)" "$unz_wall" "$unz_cpu"
echo "import cpu / unzip cpu: $(ratio "$imp_cpu" "$unz_cpu")x"

# ---- 2. matching -------------------------------------------------------------------------------
source "$here/tests/integration/lib/rootfs.sh"
ROOTFS=$(tollgate_rootfs_bookworm)
"$TOLLGATE" sbom "$ROOTFS" -q -o "$OUT/root.cdx.json"

python3 - "$OUT/lock" 5000 "$OUT/store.db" <<'EOF'
# A package-lock.json (v3) of N packages: every npm package the store has advisories for, at
# its first "introduced" version when that is a plain version, then generated names.
import json, os, sqlite3, sys
out, n, db = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pkgs = {}
for name, ranges in sqlite3.connect(db).execute(
        "SELECT name, ranges FROM vulndb_affected WHERE ecosystem = 'npm'"):
    for r in json.loads(ranges):
        ev = dict(zip(r[1::2], r[2::2]))
        v = ev.get("i", "0")
        pkgs.setdefault(name, "1.0.0" if v in ("0", "") else v)
i = 0
while len(pkgs) < n:
    pkgs[f"bench-pkg-{i}"] = f"{i % 7}.{i % 13}.{i % 5}"
    i += 1
root = {"name": "bench", "version": "1.0.0", "dependencies": {k: v for k, v in pkgs.items()}}
lock = {"name": "bench", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": root, **{f"node_modules/{k}": {"version": v} for k, v in pkgs.items()}}}
os.makedirs(out, exist_ok=True)
json.dump(lock, open(os.path.join(out, "package-lock.json"), "w"))
EOF

match_ms() {  # TARGET: median of the "matched in N ms" the command reports, and of its wall time
  : >"$OUT/m"; : >"$OUT/w"; : >"$OUT/c"
  for i in $(seq "$RUNS"); do
    timed "$TOLLGATE" vuln "$1" --store "sqlite:$OUT/store.db" --format json | awk '{print $1}' >>"$OUT/w"
    grep -o 'matched in [0-9.]* ms' "$OUT/.err" | awk '{print $3}' >>"$OUT/m"
    grep -o '[0-9.]* ms CPU' "$OUT/.err" | awk '{print $1}' >>"$OUT/c"
  done
  comps=$(grep -o '([0-9]* components' "$OUT/.err" | tr -dc 0-9)
  findings=$(grep -o '[0-9]* findings\|no findings' "$OUT/.err" | head -1)
  printf '%-40s %10s %10s %10s %12s   %s\n' "$2" "$comps" "$(median <"$OUT/m")" "$(median <"$OUT/c")" "$(median <"$OUT/w")" "$findings"
}
echo "== matching, median of $RUNS"
printf '%-40s %10s %10s %10s %12s\n' "" "components" "match ms" "cpu ms" "command s"
match_ms "$OUT/root.cdx.json" "debootstrap bookworm root (SBOM)"
match_ms "$OUT/lock" "npm lock, 5,000 packages (scan + match)"

# ---- 3. peer: npm audit on a real project's lock -----------------------------------------------
NPMPROJ=$BUILD/cache/npm-project
if [ "${NPM_AUDIT:-1}" != 0 ] && command -v npm >/dev/null && [ -f "$NPMPROJ/package-lock.json" ] &&
   (cd "$NPMPROJ" && npm audit --package-lock-only --json 2>/dev/null || true) |
     python3 -c 'import json,sys; sys.exit(0 if "vulnerabilities" in json.load(sys.stdin) else 1)' 2>/dev/null; then
  : >"$OUT/audit"; : >"$OUT/tg"
  mkdir -p "$OUT/npmlock" && cp "$NPMPROJ/package-lock.json" "$OUT/npmlock/"
  for i in $(seq "$RUNS"); do
    (cd "$NPMPROJ" && timed npm audit --package-lock-only --json) | awk '{print $1}' >>"$OUT/audit" || true
    timed "$TOLLGATE" vuln "$OUT/npmlock" --store "sqlite:$OUT/store.db" | awk '{print $1}' >>"$OUT/tg" || true
  done
  a=$(median <"$OUT/audit"); t=$(median <"$OUT/tg")
  echo "== peer: npm audit --package-lock-only (online, npm registry) vs tollgate vuln (offline), median of $RUNS"
  printf '%-40s %8s\n' "npm audit" "$a s" "tollgate vuln" "$t s"
  echo "npm audit / tollgate: $(ratio "$a" "$t")x"
else
  echo "== peer: npm audit not run (NPM_AUDIT=0, no npm project lock, or the registry refused the audit request)"
fi
echo "machine: $(nproc) cores, $(uname -r); commit $(git -C "$here" rev-parse --short HEAD)"
