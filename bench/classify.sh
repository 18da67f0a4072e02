#!/usr/bin/env bash
# tollgate classify against ripgrep on the same mixed corpus, in one run, one core each.
#
#   bench/classify.sh [BUILD_DIR]        (default: build; needs BUILD_DIR/tollgate and rg)
#
# The corpus (default 1 GB, CLASSIFY_BENCH_MB to change) is made once under
# BUILD_DIR/bench-classify from text already on the machine (/usr/share/doc, decompressed;
# /usr/include; /usr/lib/python3) with the labelled faker records of the test corpus spliced in,
# so it carries real personal data to find; it is never committed. ripgrep gets the nine
# patterns of the peer measurement (e-mail, card digits, SSN, IBAN shape, IPv4, AWS key id, JWT,
# PEM private key, phone) in ASCII mode ((?-u), its fair mode for byte-oriented detectors) and
# only counts lines; tollgate runs all its detectors, validates every candidate and prints counts
# per detector (--count), so neither side pays for printing millions of matches. ripgrep runs a
# second time with all of tollgate's detector patterns (from `tollgate classify --list-detectors
# --format json`): the same search without the validation.
#
# Printed: MB/s of each, the ratio, tollgate's start-up (database compile) separately, and the
# decoding paths on their own (a gzip file, base64 and URL-encoded bodies). Each figure is the
# best of RUNS (default 3) runs, pinned to one CPU with taskset; BENCH_CLOCK=cpu counts CPU
# seconds instead of wall seconds (for a loaded machine).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
tollgate=$build/tollgate
runs=${RUNS:-3}
mb=${CLASSIFY_BENCH_MB:-1000}
dir=$build/bench-classify
command -v rg >/dev/null || { echo "bench: ripgrep (rg) is not installed" >&2; exit 2; }
[ -x "$tollgate" ] || { echo "bench: $tollgate not built" >&2; exit 2; }
mkdir -p "$dir"
pin=(); command -v taskset >/dev/null && pin=(taskset -c "${BENCH_CPU:-0}")

# ----------------------------------------------------------------------------- corpus
corpus=$dir/mixed-${mb}mb.txt
if [ ! -s "$corpus" ]; then
  echo "bench: building a ${mb} MB mixed corpus in $dir (once)" >&2
  seed=$dir/seed.txt
  {
    find /usr/share/doc -type f -name '*.gz' -print0 | sort -z | xargs -0 zcat -f 2>/dev/null || true
    find /usr/share/doc -type f ! -name '*.gz' -print0 | sort -z | xargs -0 cat 2>/dev/null || true
    find /usr/include /usr/lib/python3 -type f \( -name '*.h' -o -name '*.py' \) -print0 |
      sort -z | xargs -0 cat 2>/dev/null || true
  } | LC_ALL=C tr -d '\000' >"$seed"
  npm=""
  for d in "$build/npm" "$here/build/npm"; do
    [ -f "$d/node_modules/@faker-js/faker/package.json" ] && { npm=$d; break; }
  done
  records=$dir/records.txt
  if [ -n "$npm" ]; then
    node "$here/tests/integration/classify/corpus.mjs" "$npm" "$dir/faker" 7 300 >/dev/null
    find "$dir/faker/docs" -type f \( -name '*.json' -o -name '*.log' -o -name '*.csv' -o \
      -name '*.prose' \) -print0 | sort -z | xargs -0 cat >"$records"
  else
    echo "bench: @faker-js/faker not installed (scripts/deps.sh bench); no spliced records" >&2
    : >"$records"
  fi
  # Interleave: 1 MB of text, then 8 KB of records, until the size is reached.
  node -e '
    const fs = require("fs");
    const [seedPath, recPath, outPath, mb] = process.argv.slice(1);
    const seed = fs.readFileSync(seedPath), rec = fs.readFileSync(recPath);
    const out = fs.openSync(outPath, "w");
    let written = 0, s = 0, r = 0;
    const want = Number(mb) * 1e6;
    while (written < want) {
      const a = seed.subarray(s, Math.min(s + (1 << 20), seed.length));
      fs.writeSync(out, a); written += a.length; s = (s + a.length) % seed.length;
      if (rec.length) {
        const b = rec.subarray(r, Math.min(r + 8192, rec.length));
        fs.writeSync(out, b); written += b.length; r = (r + b.length) % rec.length;
      }
    }
    fs.closeSync(out);' "$seed" "$records" "$corpus" "$mb"
  rm -f "$seed"
fi
bytes=$(stat -L -c %s "$corpus")

# Decoding paths: 64 MB slices of the corpus gzip-compressed, base64-encoded (MIME lines) and
# URL-encoded (as a form body would be).
slice=$dir/slice.txt
# Made once (a run must not rewrite what another may be reading).
[ "$(stat -L -c %s "$slice" 2>/dev/null)" = 64000000 ] || head -c 64000000 "$corpus" >"$slice"
[ -s "$dir/slice.txt.gz" ] || gzip -c -6 "$slice" >"$dir/slice.txt.gz"
[ -s "$dir/slice.b64" ] || base64 -w 76 "$slice" >"$dir/slice.b64"
[ -s "$dir/slice.url" ] || node -e '
  const fs = require("fs");
  const t = fs.readFileSync(process.argv[1], "latin1");
  const out = fs.openSync(process.argv[2], "w");
  for (let i = 0; i < t.length; i += 4096)
    fs.writeSync(out, "f" + i + "=" + encodeURIComponent(t.slice(i, i + 4096)) + "&");
  fs.closeSync(out);' "$slice" "$dir/slice.url"

# ----------------------------------------------------------------------------- timing
now() { date +%s.%N; }
# BENCH_CLOCK=cpu measures user+system CPU seconds instead of wall time: on a shared machine
# under load, wall time measures the other tenants as much as the tools.
clock=${BENCH_CLOCK:-wall}
# once CMD...: seconds of one run.
once() {
  if [ "$clock" = cpu ]; then
    local TIMEFORMAT='%U %S' t
    t=$({ time "${pin[@]}" "$@" >/dev/null 2>/dev/null; } 2>&1)
    awk -v t="$t" 'BEGIN { split(t, x, " "); print x[1] + x[2] }'
  else
    local t0 t1
    t0=$(now)
    "${pin[@]}" "$@" >/dev/null
    t1=$(now)
    awk -v a="$t1" -v z="$t0" 'BEGIN { print a - z }'
  fi
}
# best CMD...: the shortest time of $runs runs, in seconds.
best() {
  local b=""
  for _ in $(seq "$runs"); do
    local d
    d=$(once "$@")
    b=$(awk -v d="$d" -v b="$b" 'BEGIN { print (b == "" || d < b) ? d : b }')
  done
  echo "$b"
}
mbps() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t / 1e6 }'; }

# The peer's patterns (shared/bench/README.md), ASCII mode.
rg_patterns=(
  '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
  '\b(?:\d[ -]?){13,19}\b'
  '\b\d{3}-\d{2}-\d{4}\b'
  '\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b'
  '\b(?:\d{1,3}\.){3}\d{1,3}\b'
  '\bAKIA[0-9A-Z]{16}\b'
  'eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+'
  '-----BEGIN [A-Z ]*PRIVATE KEY-----'
  '\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}'
)
rg_args=(-c --no-filename -j1 --no-config)
for p in "${rg_patterns[@]}"; do rg_args+=(-e "(?-u)$p"); done
# And ripgrep given tollgate's own patterns: every detector definition in use, as tollgate
# compiles it (ASCII mode, caseless where the definition is), one regex per line. ripgrep then
# looks for every candidate tollgate validates (it does not validate them).
equivalent=$dir/rg-equivalent.txt
"$tollgate" classify --list-detectors --format json | node -e '
  const defs = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const d of defs) console.log("(?-u)" + (d.caseless ? "(?i)" : "") + d.pattern);' >"$equivalent"
rg_equivalent=(-c --no-filename -j1 --no-config -f "$equivalent")
# Floors under tollgate's time: reading the file (read(2), as tollgate reads it) and Hyperscan
# alone with the patterns of tollgate's every-byte database (bench/hs_floor.cpp): the detectors
# found everywhere (url_password aside: tollgate finds it from the '@' signs) with start of
# match, and the context words that open the context-led detectors' windows.
tools=$build/bench-tools
mkdir -p "$tools"
if [ ! -x "$tools/hs_floor" ] || [ "$here/bench/hs_floor.cpp" -nt "$tools/hs_floor" ]; then
  g++ -O2 -std=c++20 -o "$tools/hs_floor" "$here/bench/hs_floor.cpp" -lhs
fi
everybyte=$dir/every-byte-patterns.txt
"$tollgate" classify --list-detectors --format json | node -e '
  const defs = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const literal = (w) => [...Buffer.from(w, "utf8")].map((c) =>
    /[A-Za-z0-9]/.test(String.fromCharCode(c)) ? String.fromCharCode(c)
                                                : "\\x" + c.toString(16).padStart(2, "0")).join("");
  for (const d of defs) {
    if (d.trigger === "everywhere" && d.id !== "url_password")
      console.log((d.caseless ? "SC" : "S") + "\t" + d.pattern);
    else if (d.trigger === "context" && d.context.length)
      console.log("C\t(?:" + d.context.map(literal).join("|") + ")");
  }' >"$everybyte"

echo "classify benchmark: $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB mixed corpus," \
  "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
  "commit $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown), best of $runs, one core," \
  "$clock clock, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %10s %10s\n' "run" "seconds" "MB/s"
startup=$(best "$tollgate" classify -q --count /dev/null)
net() { awk -v t="$1" -v s="$startup" 'BEGIN { d = t - s; print (d > 0.001 ? d : 0.001) }'; }
printf '%-44s %10.2f %10s\n' "tollgate start-up (database compile)" "$startup" "-"
t_plain=$(best "$tollgate" classify -q --count "$corpus")
printf '%-44s %10.2f %10s\n' "tollgate classify (all detectors, decoding)" "$t_plain" "$(mbps "$bytes" "$(net "$t_plain")")"
t_nodecode=$(best "$tollgate" classify -q --count --no-decode "$corpus")
printf '%-44s %10.2f %10s\n' "tollgate classify --no-decode" "$t_nodecode" "$(mbps "$bytes" "$(net "$t_nodecode")")"
t_rg=$(best rg "${rg_args[@]}" "$corpus")
printf '%-44s %10.2f %10s\n' "ripgrep (?-u), 9 patterns, count only" "$t_rg" "$(mbps "$bytes" "$t_rg")"
t_rg_eq=$(best rg "${rg_equivalent[@]}" "$corpus")
printf '%-44s %10.2f %10s\n' "ripgrep (?-u), tollgate's $(wc -l <"$equivalent") patterns" "$t_rg_eq" "$(mbps "$bytes" "$t_rg_eq")"
t_read=$(best cat "$corpus")
printf '%-44s %10.2f %10s\n' "floor: read(2) of the corpus (cat)" "$t_read" "$(mbps "$bytes" "$t_read")"
read -r _ _ t_hs < <("${pin[@]}" "$tools/hs_floor" "$everybyte" "$corpus" "$runs")
printf '%-44s %10.2f %10s\n' "floor: Hyperscan alone, every-byte patterns" "$t_hs" "$(mbps "$bytes" "$t_hs")"
matches=$({ "$tollgate" classify -q --count --format table "$corpus" || true; } | head -1 | sed 's/.* bytes, \([0-9]*\) matches.*/\1/')
rg_lines=$(rg "${rg_args[@]}" "$corpus" || true)
echo "tollgate validated matches: $matches; ripgrep matching lines: $rg_lines"
ratio() { awk -v a="$(net "$1")" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
echo "ratio tollgate/ripgrep, 9 patterns (throughput, start-up excluded): $(ratio "$t_plain" "$t_rg")x" \
  "(--no-decode: $(ratio "$t_nodecode" "$t_rg")x)"
echo "ratio tollgate/ripgrep, tollgate's patterns: $(ratio "$t_plain" "$t_rg_eq")x" \
  "(--no-decode: $(ratio "$t_nodecode" "$t_rg_eq")x)"
echo
echo "decoding paths (64 MB of the corpus, encoded; MB/s of encoded input)"
for f in slice.txt slice.txt.gz slice.b64 slice.url; do
  t=$(best "$tollgate" classify -q --count "$dir/$f")
  printf '%-44s %10.2f %10s\n' "$f" "$t" "$(mbps "$(stat -L -c %s "$dir/$f")" "$(net "$t")")"
done
