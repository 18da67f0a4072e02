#!/usr/bin/env bash
# Bad input and unusable outputs, command by command, as a user meets them: one line on stderr
# naming the file, the documented exit code, valid JSON whatever the file names, nothing created
# by a command that only reads.
source "$(dirname "$0")/lib/assert.sh"

export HOME=$TMP/home XDG_DATA_HOME=$TMP/data XDG_CACHE_HOME=$TMP/cache
mkdir -p "$HOME" "$TMP/rel1" "$TMP/rel2" "$TMP/adir"
echo a >"$TMP/rel1/a"
echo b >"$TMP/rel2/a"
: >"$TMP/empty"
# One JSON document on stdin? Prints "ok" or the parser's complaint.
one_json() { python3 -c 'import json,sys; json.load(sys.stdin); print("ok")' 2>&1 || true; }
one_line() { expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 1 "$1: the error is one line"; }

# flows and alerts only read the store: a missing one is exit 2 naming it, and none is created.
for cmd in flows alerts; do
  run_rc "$TOLLGATE" $cmd
  expect_eq "$RC" 2 "$cmd without a store exits 2"
  expect_contains "$ERR" "$TMP/data/tollgate/tollgate.db: no store here yet" "$cmd names the store"
  expect_contains "$ERR" "tollgate proxy" "$cmd says what makes the store"
  one_line "$cmd"
  run_rc "$TOLLGATE" $cmd --store "sqlite:$TMP/typo/flows.db"
  expect_eq "$RC" 2 "$cmd --store with a mistyped path exits 2"
done
expect_eq "$(ls -A "$TMP/data" 2>/dev/null | wc -l)" 0 "no default store was created"
# ... nor is an empty file they are pointed at turned into one.
for cmd in flows alerts "db status" "vuln $TMP/rel1"; do
  run_rc "$TOLLGATE" $cmd --store "sqlite:$TMP/empty"
  expect_eq "$RC" 2 "$cmd --store EMPTY-FILE exits 2"
  expect_contains "$ERR" "$TMP/empty: empty file, not a tollgate store" "$cmd says why"
done
expect_eq "$(stat -c %s "$TMP/empty")" 0 "the empty file is left as it was"
expect_eq "$(test -e "$TMP/typo" && echo created || echo absent)" absent "no directory was created"

# A store the proxy made (it creates one when started): alerts in every findings format.
STORE=sqlite:$TMP/proxy.db
"$TOLLGATE" proxy --listen 127.0.0.1:0 --store "$STORE" --no-classify 2>"$TMP/proxy.err" &
PROXY=$!
for _ in $(seq 100); do grep -qs "listening on" "$TMP/proxy.err" && break; sleep 0.1; done
kill -TERM "$PROXY"
wait "$PROXY" || true
run_rc "$TOLLGATE" alerts --store "$STORE" --format sarif
expect_eq "$RC" 0 "alerts --format sarif"
expect_eq "$(one_json <<<"$OUT")" ok "alerts SARIF is one JSON document"
expect_contains "$OUT" '"version": "2.1.0"' "alerts SARIF is SARIF 2.1.0"
run_rc "$TOLLGATE" alerts --store "$STORE" --format json --fail-on low
expect_eq "$RC" 0 "alerts --fail-on with no alerts exits 0"
expect_contains "$OUT" '"command": "alerts"' "alerts JSON is the one finding shape"
run_rc "$TOLLGATE" alerts --store "$STORE" --fail-on bogus
expect_eq "$RC" 2 "alerts --fail-on with an unknown severity exits 2"
run_rc "$TOLLGATE" alerts --store "$STORE" --format cyclonedx-vex
expect_eq "$RC" 2 "alerts has no VEX output"
expect_contains "$ERR" "table, json or sarif" "the error lists alerts' formats"
run_rc "$TOLLGATE" alerts --store "$STORE" -o "$TMP/alerts.txt"
expect_eq "$RC" 0 "alerts -o FILE"
expect_contains "$(cat "$TMP/alerts.txt")" "SEVERITY" "alerts -o writes the table"

# Commands without VEX output name their own formats, not the writers' full list.
for cmd in "verify $TMP/adir" "diff $TMP/rel1 $TMP/rel2" "flows --store $STORE"; do
  run_rc "$TOLLGATE" $cmd --format yaml
  expect_eq "$RC" 2 "$cmd --format yaml exits 2"
  expect_not_contains "$ERR" "cyclonedx-vex" "$cmd: the error does not offer VEX"
  expect_contains "$ERR" "yaml" "$cmd: the error names the bad format"
  one_line "$cmd --format yaml"
done

# File names are bytes, not always UTF-8: JSON output replaces what is not UTF-8 and stays valid.
BAD=$TMP/$'name\xff\xfe'
printf 'mail me at someone@example.com\n' >"$BAD.txt"
run_rc "$TOLLGATE" classify --format json "$BAD.txt"
expect_eq "$RC" 0 "classify --format json on a non-UTF-8 file name"
expect_eq "$(one_json <<<"$OUT")" ok "classify JSON stays valid"
expect_contains "$OUT" '"email":1' "classify still counts the match"
mkdir -p "$BAD.osv"
cat >"$BAD.osv/GHSA-aaaa-bbbb-cccc.json" <<'EOF'
{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z",
 "affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"versions":["1.0.0"]}]}
EOF
run_rc "$TOLLGATE" db import "$BAD.osv" --store "sqlite:$TMP/v.db" -q
expect_eq "$RC" 0 "db import from a non-UTF-8 directory name"
run_rc "$TOLLGATE" db status --format json --store "sqlite:$TMP/v.db"
expect_eq "$RC" 0 "db status --format json with a non-UTF-8 source name"
expect_eq "$(one_json <<<"$OUT")" ok "db status JSON stays valid"
run_rc "$TOLLGATE" ca init --dir "$BAD.ca" --format json
expect_eq "$RC" 0 "ca init in a non-UTF-8 directory name"
expect_eq "$(one_json <<<"$OUT")" ok "ca init JSON stays valid"
run_rc "$TOLLGATE" ca show --dir "$BAD.ca" --format json
expect_eq "$(one_json <<<"$OUT")" ok "ca show JSON stays valid"
run_rc "$TOLLGATE" ca show --dir "$BAD.ca" --pem --format json
expect_eq "$RC" 2 "ca show --pem --format json: a usage error, not PEM under a JSON request"

# A file name with a terminal escape and a line break (as a hostile archive may carry): the error
# stays one line and no control byte reaches the terminal.
run_rc "$TOLLGATE" classify "$TMP/"$'evil\e[31mRED\e[0m\nforged line'
expect_eq "$RC" 2 "classify of a missing file with control bytes in its name exits 2"
one_line "an error naming a file with control bytes"
expect_eq "$(printf '%s' "$ERR" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]')" 0 \
  "no control byte in the error line"
expect_contains "$ERR" "evil?[31mRED?[0m?forged line" "the name is shown with its control bytes replaced"

# An output that cannot be written: the error names the file as given (not a temporary), exit 2,
# and an existing file is left as it was.
for cmd in "sbom $TMP/rel1" "diff $TMP/rel1 $TMP/rel2" "vuln $TMP/rel1 --store sqlite:$TMP/v.db"; do
  run_rc "$TOLLGATE" $cmd -o /proc/no-such-dir/out.json
  expect_eq "$RC" 2 "$cmd -o into a missing directory exits 2"
  one_line "$cmd -o"
done
run_rc "$TOLLGATE" sbom "$TMP/rel1" -o /proc/no-such-dir/out.json
expect_contains "$ERR" "tollgate: /proc/no-such-dir/out.json: cannot write" "sbom names the output file"
expect_not_contains "$ERR" ".tmp" "sbom does not name its temporary file"
run_rc "$TOLLGATE" diff "$TMP/rel1" "$TMP/rel2" -o /proc/no-such-dir/out.json
expect_contains "$ERR" "tollgate: /proc/no-such-dir/out.json: cannot write" "diff names the output file"
echo '{"kept":true}' >"$TMP/keep.json"
run_rc "$TOLLGATE" sbom "$TMP/no-such-tree" -o "$TMP/keep.json"
expect_eq "$RC" 2 "sbom of a missing tree exits 2"
expect_eq "$(cat "$TMP/keep.json")" '{"kept":true}' "the existing output is untouched"
expect_eq "$(ls -A "$TMP" | grep -c '\.tmp' || true)" 0 "no temporary file is left behind"

# -o FIFO: written directly, once (the early writability check must not end the reader's input).
mkfifo "$TMP/out.fifo"
python3 -c 'import json,sys; json.load(open(sys.argv[1])); print("ok")' "$TMP/out.fifo" >"$TMP/fifo.res" 2>&1 &
READER=$!
run_rc "$TOLLGATE" sbom "$TMP/rel1" -o "$TMP/out.fifo" -q
wait "$READER" || true
expect_eq "$RC" 0 "sbom -o FIFO exits 0"
expect_eq "$(cat "$TMP/fifo.res")" ok "the reader of the FIFO gets the whole document"

# Standard output that cannot be written (a full disk) is not a silent success.
if [ -w /dev/full ]; then
  for cmd in "sbom $TMP/rel1" "classify $BAD.txt" "diff $TMP/rel1 $TMP/rel2 --format json" \
    "ca show --dir $BAD.ca" "db status --store sqlite:$TMP/v.db" "--version" "sbom --help"; do
    set +e
    "$TOLLGATE" $cmd >/dev/full 2>"$TMP/full.err"
    rc=$?
    set -e
    expect_eq "$rc" 2 "$cmd >/dev/full exits 2"
    expect_contains "$(cat "$TMP/full.err")" "tollgate: standard output: write error" \
      "$cmd >/dev/full says why"
  done
fi

# diff --yara with something that is not a rules file: what is wrong with it, not YARA's lexer.
run_rc "$TOLLGATE" diff "$TMP/rel1" "$TMP/rel2" --yara "$TMP/adir"
expect_eq "$RC" 2 "diff --yara DIR exits 2"
if [[ "$ERR" != *"without libyara"* ]]; then
  expect_contains "$ERR" "$TMP/adir: YARA rules: not a regular file" "diff --yara DIR says so"
  run_rc "$TOLLGATE" diff "$TMP/rel1" "$TMP/rel2" --yara "$TMP/missing.yar"
  expect_eq "$RC" 2 "diff --yara with a missing file exits 2"
  expect_contains "$ERR" "missing.yar: cannot open YARA rules: No such file or directory" \
    "diff --yara names the missing file and why"
fi

# db import of a file that holds no OSV advisory at all (a CSV given by mistake): exit 2 naming it;
# a malformed advisory among good ones stays a warning.
printf 'value,type\nexample.com,domain\n' >"$TMP/iocs.csv"
run_rc "$TOLLGATE" db import "$TMP/iocs.csv" --store "sqlite:$TMP/v.db"
expect_eq "$RC" 2 "db import of a CSV exits 2"
expect_contains "$ERR" "iocs.csv: no OSV advisory could be read (1 malformed; nothing imported)" \
  "db import says the source held no advisory"
cp "$TMP/iocs.csv" "$BAD.osv/broken.json"
run_rc "$TOLLGATE" db import "$BAD.osv" --store "sqlite:$TMP/v.db"
expect_eq "$RC" 0 "a malformed advisory among good ones is a warning"
expect_contains "$ERR" "warning:" "the malformed one is named in a warning"

# verify and diff draw progress only on a terminal: nothing of it when stderr is a file.
for cmd in "verify /usr/share/doc -o $TMP/v.json" "diff $TMP/rel1 $TMP/rel2 -o $TMP/d.json"; do
  set +e
  "$TOLLGATE" $cmd 2>"$TMP/progress.err" >/dev/null
  set -e
  expect_eq "$(tr -d -c '\r\033' <"$TMP/progress.err" | wc -c)" 0 "$cmd: no progress drawn into a file"
done

# An empty file name (an unset shell variable) is a usage error saying so, not "cannot open: ...".
for cmd in "sbom" "vuln" "verify" "classify" "db import" "attest verify" "diff $TMP/rel1"; do
  run_rc "$TOLLGATE" $cmd ''
  expect_eq "$RC" 2 "$cmd '': exit 2"
  expect_contains "$ERR" ": must not be empty" "$cmd '': says the argument is empty"
  one_line "$cmd ''"
done
run_rc "$TOLLGATE" attest sign "$TMP/rel1" --key ''
expect_contains "$ERR" "usage: --key: must not be empty" "attest sign --key '': says so"

# Numbers a user can get wrong: a usage error (2), never an internal one (3) or a check switched off.
for cmd in "sbom $TMP/rel1 -j 100000" "diff $TMP/rel1 $TMP/rel2 -j 100000" "verify $TMP/rel1 -j 100000" \
  "vuln $TMP/rel1 -j 100000" "proxy --listen 127.0.0.1:0 --threads 100000" \
  "sbom $TMP/rel1 --max-ratio nan" "sbom $TMP/rel1 --max-ratio -1" \
  "proxy --listen 127.0.0.1:0 --idle-timeout nan" "proxy --listen 127.0.0.1:0 --io-timeout inf" \
  "proxy --listen 127.0.0.1:0 --connect-timeout 1e300" "flows --store $STORE --since 9999999999d"; do
  run_rc timeout 20 "$TOLLGATE" $cmd
  expect_eq "$RC" 2 "$cmd: usage error"
  one_line "$cmd"
done

# A cut-short download is an error for diff and attest as it is for sbom, not a lone file.
mkdir -p "$TMP/pkg"
head -c 65536 /dev/urandom >"$TMP/pkg/blob"
tar czf "$TMP/pkg.tar.gz" -C "$TMP" pkg
head -c 4000 "$TMP/pkg.tar.gz" >"$TMP/cut.tar.gz"
run_rc "$TOLLGATE" diff "$TMP/cut.tar.gz" "$TMP/cut.tar.gz"
expect_eq "$RC" 2 "diff of two truncated archives exits 2"
expect_contains "$ERR" "cut.tar.gz: damaged or truncated archive" "diff names the damaged archive"
run_rc "$TOLLGATE" diff "$TMP/pkg.tar.gz" "$TMP/cut.tar.gz"
expect_eq "$RC" 2 "diff against a truncated archive exits 2"
openssl genpkey -algorithm ed25519 -out "$TMP/ed.key" 2>/dev/null
run_rc "$TOLLGATE" attest sign "$TMP/cut.tar.gz" -k "$TMP/ed.key"
expect_eq "$RC" 2 "attest sign of a truncated archive exits 2"
expect_contains "$ERR" "damaged or truncated archive" "attest sign says why"

finish
