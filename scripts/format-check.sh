#!/usr/bin/env bash
# Lists the C++ sources (src apps tests fuzz bench) that clang-format, under the repository's
# .clang-format, would change, and exits 1 when there is any; `make format` rewrites them.
# `make test` (hence .ci/run) runs it before building. CLANG_FORMAT picks the binary (default
# clang-format: Debian 12's is version 14, which scripts/deps.sh test installs).
set -euo pipefail
cd "$(dirname "$0")/.."
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null; then
  echo "format-check: $cf not found (scripts/deps.sh test installs clang-format)" >&2
  exit 2
fi
bad=$(find src apps tests fuzz bench -type f \( -name '*.cpp' -o -name '*.h' \) -print0 |
      xargs -0 -n 1 -P 2 sh -c '"$0" --dry-run --Werror "$1" >/dev/null 2>&1 || echo "$1"' "$cf" |
      sort)
if [ -n "$bad" ]; then
  echo "format-check: $(wc -l <<<"$bad") files differ from $cf's output under .clang-format" \
       "('make format' rewrites them):" >&2
  sed 's/^/  /' <<<"$bad" >&2
  exit 1
fi
echo "format-check: every C++ source is clang-formatted"
