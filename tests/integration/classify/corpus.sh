# Sourced by classify_test.sh: the labelled faker corpus and the negative corpus.
#   CLASSIFY_CORPUS_DOCS     documents in the labelled corpus (default 600)
#   CLASSIFY_NEGATIVE_LIMIT  cap, in MB, on each part of the negative corpus (default: no cap)
#   CLASSIFY_TABLES          if set, a directory where the two tables are written as markdown
npm_dir=""
for d in "$TOLLGATE_BUILD_DIR/npm" "$TOLLGATE_SOURCE_DIR/build/npm"; do
  if [ -f "$d/node_modules/@faker-js/faker/package.json" ]; then npm_dir=$d; break; fi
done
if [ -z "$npm_dir" ]; then
  failed "@faker-js/faker is not installed: run scripts/deps.sh test"
else
  C=$TMP/corpus
  mkdir -p "$C"
  node "$here/classify/corpus.mjs" "$npm_dir" "$C" 20240601 "${CLASSIFY_CORPUS_DOCS:-600}"
  (cd "$C/docs" && find . -type f ! -name '*.br' -print0 | sort -z |
    xargs -0 "$TOLLGATE" classify -q --format json --show-values) >"$C/plain.jsonl" ||
    failed "classify over the labelled corpus"
  (cd "$C/docs" && find . -type f -name '*.br' -print0 | sort -z |
    xargs -0 "$TOLLGATE" classify -q --format json --show-values --content-encoding br) \
    >"$C/brotli.jsonl" || failed "classify over the brotli part of the labelled corpus"
  if node "$here/classify/evaluate.mjs" labelled "$C" "$C/plain.jsonl" "$C/brotli.jsonl" \
    >"$C/labelled.md" 2>"$C/labelled.err"; then
    pass "precision and recall goals met on the labelled corpus"
  else
    failed "precision or recall goal missed on the labelled corpus (see the table)"
    head -60 "$C/labelled.err" >&2
  fi
  cat "$C/labelled.md"
  echo
fi

# The negative corpus: documentation, binaries and source trees of this machine, and random
# base64 (deterministic: AES-CTR keystream of a fixed key).
N=$TMP/negative
mkdir -p "$N"
limit=${CLASSIFY_NEGATIVE_LIMIT:-0}
files_of() {  # DIR: regular files, sorted, capped at $limit MB when set
  find "$1" -type f -readable -printf '%s %p\n' 2>/dev/null | sort -k2 |
    awk -v cap=$((limit * 1000000)) 'cap == 0 || (sum += $1) <= cap { sub(/^[0-9]+ /, ""); print }'
}
{ files_of /usr/share/doc; files_of /usr/bin; files_of /usr/include; files_of /usr/lib/python3; } \
  >"$N/files.txt"
head -c 6000000 /dev/zero |
  openssl enc -aes-256-ctr -nosalt -pass pass:tollgate-classify -pbkdf2 >"$N/random.bin"
base64 -w 76 "$N/random.bin" >"$N/random-mime.b64"
head -c 6000000 /dev/zero |
  openssl enc -aes-256-ctr -nosalt -pass pass:tollgate-classify-2 -pbkdf2 | base64 -w 0 \
  >"$N/random-oneline.b64"
printf '%s\n' "$N/random-mime.b64" "$N/random-oneline.b64" >>"$N/files.txt"
tr '\n' '\0' <"$N/files.txt" | xargs -0 "$TOLLGATE" classify -q --format json --show-values \
  >"$N/results.jsonl" 2>"$N/errors.txt" || true
# Unreadable or special files may fail one by one; the rest must have been scanned.
expect_eq "$(grep -vc 'cannot open\|Permission denied' "$N/errors.txt" || true)" 0 \
  "negative corpus scanned without unexpected errors"
if node "$here/classify/evaluate.mjs" negative "$N/negative.md" "$N/results.jsonl" \
  >"$N/negative.txt" 2>"$N/negative.err"; then
  pass "under 1 false positive per 10 MB of the negative corpus"
else
  failed "1 or more false positives per 10 MB of the negative corpus"
fi
cat "$N/negative.txt"
head -40 "$N/negative.err"
if [ -n "${CLASSIFY_TABLES:-}" ]; then
  mkdir -p "$CLASSIFY_TABLES"
  cp "${C:-$TMP}/labelled.md" "$CLASSIFY_TABLES/labelled.md" 2>/dev/null || true
  cp "$N/negative.txt" "$CLASSIFY_TABLES/negative.md"
fi
