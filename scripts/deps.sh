#!/usr/bin/env bash
# Installs what tollgate needs to build and test, from Debian packages only (and, for test and
# benchmark tooling, the npm registry into build/npm). Idempotent: installs only what is missing.
# The npm tools go under "$TOLLGATE_BUILD_DIR/npm" when that is set (an absolute path, or relative
# to the repository root), so that a second build directory gets its own ajv; default build/npm.
#
#   scripts/deps.sh build     compiler, CMake and libraries
#   scripts/deps.sh test      + the peers and tools the tests run (debootstrap, ajv, ...)
#   scripts/deps.sh fuzz      + clang-19 and its sanitizer runtimes
#   scripts/deps.sh bench     + the peers the benchmarks compare against (cdxgen, hyperfine)
set -euo pipefail
what=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(g++ cmake ninja-build make git pkg-config libssl-dev libarchive-dev nlohmann-json3-dev libcli11-dev
            libgtest-dev libgmock-dev libbenchmark-dev node-spdx-license-ids node-spdx-exceptions
            libhyperscan-dev zlib1g-dev libbrotli-dev libzstd-dev libyaml-cpp-dev libsqlite3-dev
            # vulndb: OSV advisory parsing
            libsimdjson-dev
            # fetch: db update downloads (libcurl with OpenSSL)
            libcurl4-openssl-dev
            # egress: Boost.Asio and Boost.Beast (header-only)
            libboost-dev
            # binfmt: Info.plist of macOS bundles (XML and binary property lists)
            libplist-dev)
test_pkgs=(debootstrap umoci skopeo zip nodejs npm python3 python3-pip ca-certificates ripgrep
           # make format-check (run first by make test): Debian 12's clang-format (version 14)
           clang-format
           # binfmt: Windows PE fixtures (mingw-w64 gcc + windres), Authenticode signing and the
           # reference verifier, Go binaries with real modules, Mach-O reference (llvm-objdump)
           gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 osslsigncode openssl binutils
           golang-go golang-github-google-uuid-dev golang-github-pkg-errors-dev llvm-19
           # catalog: rpm packages and databases (rpmbuild, SQLite rpmdb, Berkeley DB via db_load)
           rpm sqlite3 db5.3-util cpio
           # catalog: Java archives (javac, jar; default-jdk-headless below), unzip as the
           # reference reader, maven for its real jars with pom.properties
           unzip maven
           # versions: the reference orderings of the differential test (libapt, packaging,
           # rpm's labelCompare, Gem::Version, Maven's ComparableVersion and a JDK to call it)
           python3-apt python3-packaging python3-rpm ruby libmaven3-core-java default-jdk-headless
           # integrity: in-toto (attestation interop), libyara-dev (diff --yara, optional at build),
           # Mach-O fixtures linked with ld64.lld (lld-19) and binary plists (plistutil)
           in-toto libyara-dev lld-19 libplist-utils
           # egress: real upstreams and clients, and tshark as the reference TLS decoder
           nginx-light curl tshark)
fuzz_pkgs=(clang-19 libclang-rt-19-dev llvm-19)
bench_pkgs=(hyperfine time
            # integrity: the peer of bench/diff.sh
            diffoscope-minimal bc
            # egress: load generator and the peer proxies of bench/proxy.sh
            wrk squid tinyproxy mitmproxy)

pkgs=("${build_pkgs[@]}")
case "$what" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  fuzz) pkgs+=("${fuzz_pkgs[@]}") ;;
  bench) pkgs+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|fuzz|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  # A tool installed outside Debian's packages counts (e.g. NodeSource's nodejs bundles npm and
  # conflicts with Debian's npm package).
  case "$p" in nodejs | npm | python3) command -v "${p/nodejs/node}" >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || $SUDO apt-get update -qq
  $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm tooling (test and benchmark only), cached under $TOLLGATE_BUILD_DIR/npm (default build/npm).
build_dir=${TOLLGATE_BUILD_DIR:-build}
case "$build_dir" in /*) ;; *) build_dir=$here/$build_dir ;; esac
npm_install() {
  local dir=$build_dir/npm
  mkdir -p "$dir"
  local need=()
  for spec in "$@"; do
    local name=${spec%@*}; [ -n "$name" ] || name=$spec
    [ -d "$dir/node_modules/$name" ] || need+=("$spec")
  done
  if [ ${#need[@]} -gt 0 ]; then
    echo "deps: npm install ${need[*]}" >&2
    (cd "$dir" && { [ -f package.json ] || echo '{"private":true}' > package.json; } &&
     npm install --no-audit --no-fund --loglevel=error "${need[@]}" >/dev/null)
  fi
}
case "$what" in
  test) npm_install ajv-cli ajv-formats ajv-draft-04 ae-cvss-calculator @faker-js/faker semver @electron/asar@3 ;;
  bench) npm_install ajv-cli ajv-formats @faker-js/faker @cyclonedx/cdxgen semver ;;
esac
