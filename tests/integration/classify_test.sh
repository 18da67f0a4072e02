#!/usr/bin/env bash
# tollgate classify: the command-line contract, encodings seen through, custom detectors, raw
# values kept out of the output, hostile input; then the labelled faker corpus (precision and
# recall per detector) and the negative corpus (false positives per MB), printed as a table.
source "$(dirname "$0")/lib/assert.sh"
here=$(cd "$(dirname "$0")" && pwd)
# The compiled-detector cache goes to a directory of this test, not the user's.
export XDG_CACHE_HOME=$TMP/xdg-cache

# ---------------------------------------------------------------------------- command line
run_rc "$TOLLGATE" classify --help
expect_eq "$RC" 0 "classify --help exits 0"
expect_contains "$OUT" "--format" "help documents --format"
expect_contains "$OUT" "--detectors" "help documents --detectors"
expect_contains "$OUT" "--show-values" "help documents --show-values"

S=$TMP/sample.txt
cat >"$S" <<'TXT'
Customer: Jane Roe <jane.roe@example.org>, phone +44 20 7946 0958
Card: 4539 1488 0343 6467 (exp 12/29)   IBAN DE89 3704 0044 0532 0130 00
SSN 536-90-4399   NI number JG 10 37 59 A   date of birth: 1985-03-12
aws_access_key_id = AKIAZ3MSJV4WWNKWW5FG
TXT
run_rc "$TOLLGATE" classify "$S"
expect_eq "$RC" 0 "table output exits 0"
expect_contains "$OUT" "4539***********6467" "table shows a masked sample"
for raw in jane.roe@example.org "4539 1488 0343 6467" 536-90-4399 AKIAZ3MSJV4WWNKWW5FG; do
  expect_not_contains "$OUT$ERR" "$raw" "raw value '$raw' not printed without --show-values"
done
expect_eq "$ERR" "" "nothing on stderr when it is not a terminal"

run_rc "$TOLLGATE" classify --format json "$S"
expect_eq "$RC" 0 "json output exits 0"
detectors=$(node -e '
  const o = JSON.parse(require("fs").readFileSync(0, "utf8"));
  if (o.input !== process.argv[1] || o.bytes !== require("fs").statSync(process.argv[1]).size) process.exit(1);
  for (const m of o.matches) for (const k of ["detector","start","end","score","decoding","masked"])
    if (!(k in m)) process.exit(2);
  if (o.matches.some(m => "value" in m)) process.exit(3);
  console.log([...new Set(o.matches.map(m => m.detector))].sort().join(","));' "$S" <<<"$OUT") ||
  failed "json shape (node exit $?)"
expect_eq "$detectors" "aws_access_key,credit_card,date_of_birth,email,iban,phone,uk_nino,us_ssn" \
  "json lists the expected detectors"
offset=$(node -e 'const o=JSON.parse(require("fs").readFileSync(0,"utf8"));
  const m=o.matches.find(m=>m.detector==="credit_card"); console.log(m.start+":"+m.end)' <<<"$OUT")
card_at=$(grep -bo "4539 1488" "$S" | cut -d: -f1)
expect_eq "$offset" "$card_at:$((card_at + 19))" "offsets are byte offsets in the input"

run_rc "$TOLLGATE" classify --format json --show-values "$S"
expect_contains "$OUT" '"value":"536-90-4399"' "--show-values prints raw values"

run_rc "$TOLLGATE" classify --count --format json "$S"
expect_contains "$OUT" '"matches":[]' "--count lists no matches"
expect_contains "$OUT" '"credit_card":1' "--count still counts"

# Standard input, several inputs, one object per input.
out=$("$TOLLGATE" classify --format json - "$S" <"$S")
expect_eq "$(wc -l <<<"$out")" 2 "one JSON object per input"
expect_contains "$(head -1 <<<"$out")" '"input":"-"' "stdin is named '-'"

# Encodings: gzip file, base64 of gzip, URL and JSON escapes.
gzip -c "$S" >"$TMP/sample.txt.gz"
run_rc "$TOLLGATE" classify --format json "$TMP/sample.txt.gz"
expect_contains "$OUT" '"decoding":"gzip"' "a gzip file is decompressed"
expect_contains "$OUT" '"detector":"iban"' "values inside the gzip file are found"
{ printf 'payload='; gzip -c "$S" | base64 -w0; printf '\n'; } >"$TMP/b64gz.txt"
run_rc "$TOLLGATE" classify --format json "$TMP/b64gz.txt"
expect_contains "$OUT" '"decoding":"base64>gzip"' "base64 of gzip reports the path"
printf 'q=jane.roe%%40example.org&x={"m":"bob\\u0040corp.example.com"}\n' >"$TMP/esc.txt"
run_rc "$TOLLGATE" classify --format json "$TMP/esc.txt"
expect_contains "$OUT" '"decoding":"url"' "URL encoding is decoded"
expect_contains "$OUT" '"decoding":"json"' "JSON escapes are decoded"
run_rc "$TOLLGATE" classify --format json --no-decode "$TMP/b64gz.txt"
expect_contains "$OUT" '"matches":[]' "--no-decode looks at the bytes only"
node -e 'process.stdout.write(require("zlib").brotliCompressSync(require("fs").readFileSync(process.argv[1])))' \
  "$S" >"$TMP/sample.br"
run_rc "$TOLLGATE" classify --format json --content-encoding br "$TMP/sample.br"
expect_contains "$OUT" '"decoding":"brotli"' "--content-encoding br decodes brotli"

# Exit codes: --fail-on, usage errors, missing and unreadable inputs.
run_rc "$TOLLGATE" classify --fail-on high "$S"
expect_eq "$RC" 1 "--fail-on high with a card number exits 1"
run_rc "$TOLLGATE" classify --fail-on critical "$S"
expect_eq "$RC" 0 "--fail-on critical without critical findings exits 0"
run_rc "$TOLLGATE" classify --fail-on severe "$S"
expect_eq "$RC" 2 "unknown --fail-on level is a usage error"
run_rc "$TOLLGATE" classify --format xml "$S"
expect_eq "$RC" 2 "unknown format is a usage error"
run_rc "$TOLLGATE" classify "$TMP/missing.txt"
expect_eq "$RC" 2 "a missing file exits 2"
expect_contains "$ERR" "missing.txt" "the error names the file"
expect_eq "$(wc -l <<<"$ERR")" 1 "the error is one line"
run_rc "$TOLLGATE" classify "$TMP"
expect_eq "$RC" 2 "a directory is an input error"
printf '\x1f\x8b\x08\x00garbage that is not deflate' >"$TMP/bad.gz"
run_rc "$TOLLGATE" classify "$TMP/bad.gz" "$S"
expect_eq "$RC" 2 "a corrupt gzip input exits 2"
expect_contains "$ERR" "bad.gz" "the corrupt input is named"
expect_contains "$OUT" "sample.txt" "later inputs are still scanned"

# Custom detectors: added, replacing, invalid.
cat >"$TMP/mine.yaml" <<'YAML'
detectors:
  - id: employee_id
    class: personal
    severity: high
    pattern: '\bEMP-[0-9]{6}\b'
    validator: none
    score: 0.9
  - id: aws_access_key
    enabled: false
YAML
echo "badge EMP-123456 key AKIAZ3MSJV4WWNKWW5FG" >"$TMP/emp.txt"
run_rc "$TOLLGATE" classify --format json --detectors "$TMP/mine.yaml" "$TMP/emp.txt"
expect_contains "$OUT" '"detector":"employee_id"' "a detector from --detectors is used"
expect_not_contains "$OUT" '"aws_access_key"' "enabled: false switches a shipped detector off"
printf 'detectors:\n  - id: broken\n    pattern: "(unclosed"\n' >"$TMP/broken.yaml"
run_rc "$TOLLGATE" classify --detectors "$TMP/broken.yaml" "$S"
expect_eq "$RC" 2 "a pattern Hyperscan rejects exits 2"
expect_contains "$ERR" "broken" "the error names the detector"
printf 'detectors: [ {id: x, colour: red} ]\n' >"$TMP/unknown.yaml"
run_rc "$TOLLGATE" classify --detectors "$TMP/unknown.yaml" "$S"
expect_eq "$RC" 2 "an unknown field exits 2"
expect_contains "$ERR" "unknown.yaml" "the error names the file"
run_rc "$TOLLGATE" classify --list-detectors
expect_contains "$OUT" "credit_card" "--list-detectors lists the shipped detectors"
run_rc "$TOLLGATE" classify --list-detectors --format json --detectors "$TMP/mine.yaml"
expect_eq "$RC" 0 "--list-detectors --format json exits 0"
listed=$(printf '%s' "$OUT" | node -e '
  const d = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const e = d.find(x => x.id === "employee_id"), p = d.find(x => x.id === "process_list");
  console.log(d.length, e ? e.pattern : "-", d.some(x => x.id === "aws_access_key"),
              p.caseless, p.words.length > 10 && p.pattern.includes("svchost"), p.min_words);')
expect_eq "$listed" "37 \\bEMP-[0-9]{6}\\b false true true 4" \
  "--list-detectors --format json gives each definition in use: pattern, flags, words"

# Hostile input: random bytes, NULs, a long line of digits, an endless base64 run.
head -c 3000000 /dev/urandom >"$TMP/random.bin"
run_rc "$TOLLGATE" classify "$TMP/random.bin"
expect_eq "$RC" 0 "random bytes are scanned without error"
head -c 2000000 /dev/zero | tr '\0' '7' >"$TMP/digits.txt"
run_rc "$TOLLGATE" classify "$TMP/digits.txt"
expect_eq "$RC" 0 "two million digits are scanned"
head -c 3000000 /dev/urandom | base64 -w0 >"$TMP/long.b64"
run_rc "$TOLLGATE" classify "$TMP/long.b64"
expect_eq "$RC" 0 "a 4 MB base64 run is scanned"

# The compiled databases are cached: a second run reads them, a corrupt cache file is replaced.
cache=$XDG_CACHE_HOME/tollgate/classify
expect_eq "$(find "$cache" -name 'classify-*.hsdb' -size +100k | wc -l | awk '{ print ($1 >= 1) }')" 1 \
  "the compiled detectors are cached"
run_rc "$TOLLGATE" classify --format json "$S"
first=$OUT
for f in "$cache"/classify-*.hsdb; do printf 'not a database' >"$f"; done
run_rc "$TOLLGATE" classify --format json "$S"
expect_eq "$RC" 0 "a corrupt cache file is not an error"
expect_eq "$OUT" "$first" "the same matches with a recompiled database"
expect_eq "$(find "$cache" -name 'classify-*.hsdb' -size +100k | wc -l)" 1 \
  "the corrupt cache file is rewritten"

# Many matches: the list streams as found (memory stays bounded), the summary follows it, and
# the JSON is still one valid object per input.
awk 'BEGIN { for (i = 1; i <= 1500; i++) printf "user%d@mail%d.example.org\n", i, i }' >"$TMP/many.txt"
run_rc "$TOLLGATE" classify --format json "$TMP/many.txt" "$S"
expect_eq "$RC" 0 "a long list exits 0"
expect_eq "$(node -e '
  const lines = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse);
  const o = lines[0];
  console.log([lines.length, o.matches.length, o.counts.email, o.bytes > 0, lines[1].matches.length > 0].join(" "));' <<<"$OUT")" \
  "2 1500 1500 true true" "streamed JSON: all matches, counts and bytes after them, next input intact"
run_rc "$TOLLGATE" classify "$TMP/many.txt"
expect_contains "$(head -1 <<<"$OUT")" "listed as found" "a long table says it streams"
expect_contains "$(tail -2 <<<"$OUT" | head -1)" "1500 matches" "the summary follows the streamed list"
expect_eq "$(grep -c '@' <<<"$OUT")" 0 "streamed rows are masked too"

# ---------------------------------------------------------------------------- corpus
source "$here/classify/corpus.sh"

finish
