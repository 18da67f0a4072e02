#!/usr/bin/env bash
# Differential test of module versions against the reference implementations of each scheme.
# tests/integration/versions/pairs.py gathers real versions (OSV advisories of the shared data,
# this machine's dpkg status, installed Python distributions and npm packages, osv-scalibr's
# vectors) and synthetic tricky ones (epochs, tildes, carets, pre/post/dev/local releases, Maven
# qualifiers, Go pseudo-versions, ...), and writes a few thousand pairs per scheme (fixed seed).
# tollgate's answers come from the test-only tool version_compare ($TOLLGATE_VERSION_COMPARE);
# the references are:
#   dpkg      apt_pkg.version_compare (python3-apt) on every pair, and dpkg --compare-versions
#             itself on a sample that includes invalid versions (validity must agree too)
#   semver    npm's `semver` package (compare; strict parsing); kGo on Go versions the same way
#   pep440    packaging.version.Version (python3-packaging, Debian's, run by /usr/bin/python3)
#   maven     ComparableVersion of Debian's maven-artifact jar (Maven 3.8), via a Java class
#             compiled here with javac
#   rubygems  Gem::Version of Debian's ruby
#   rpm       rpm.labelCompare of python3-rpm, with rpm's own EVR split (rpm.ver)
# Every disagreement fails. The reasons of tests/data/versions/known-disagreements.tsv that a
# reference here can check (maven-3.8, pep440-invalid, rubygems-invalid) are checked as well.
source "$(dirname "$0")/lib/assert.sh"

HERE=$TOLLGATE_SOURCE_DIR/tests/integration/versions
PY=/usr/bin/python3  # Debian's, with python3-packaging, python3-apt and python3-rpm
NODE_MODULES=$TOLLGATE_BUILD_DIR/npm/node_modules
MAVEN_JAR=/usr/share/java/maven3-artifact.jar
PAIRS_PER_SCHEME=${VERSIONS_PAIRS_PER_SCHEME:-4000}
SEED=20250101

missing=()
[ -x "${TOLLGATE_VERSION_COMPARE:-}" ] || missing+=("version_compare (TOLLGATE_VERSION_COMPARE)")
$PY -c 'import packaging.version, apt_pkg, rpm' 2>/dev/null ||
  missing+=("python3-packaging, python3-apt, python3-rpm")
command -v ruby >/dev/null || missing+=(ruby)
command -v javac >/dev/null && command -v java >/dev/null || missing+=("a JDK")
[ -f "$MAVEN_JAR" ] || missing+=("$MAVEN_JAR (libmaven3-core-java)")
[ -f "$NODE_MODULES/semver/package.json" ] || missing+=("npm semver in $NODE_MODULES")
command -v node >/dev/null || missing+=(node)
if [ ${#missing[@]} -gt 0 ]; then
  failed "missing references: ${missing[*]} (scripts/deps.sh test installs them)"
  finish
  exit
fi

echo "references: packaging $($PY -c 'import packaging; print(packaging.__version__)')," \
  "npm semver $(node -p "require('$NODE_MODULES/semver/package.json').version")," \
  "ruby $(ruby -e 'print RUBY_VERSION') (RubyGems $(ruby -e 'print Gem::VERSION'))," \
  "rpm $($PY -c 'import rpm; print(rpm.__version__)'), dpkg $(dpkg-query -W -f='${Version}' dpkg)," \
  "maven-artifact $(dpkg-query -W -f='${Version}' libmaven3-core-java)"

$PY "$HERE/pairs.py" "$TMP" "$TOLLGATE_SHARED_DATA" "$NODE_MODULES" "$SEED" "$PAIRS_PER_SCHEME"
javac -d "$TMP" -cp "$MAVEN_JAR" "$HERE/MavenCompare.java"

# ours SCHEME PAIRS > ANSWERS
ours() { awk -v s="$1" '{ print s "\t" $0 }' "$2" | "$TOLLGATE_VERSION_COMPARE"; }
# reference SCHEME PAIRS > ANSWERS
reference() {
  case "$1" in
    dpkg | pep440 | rpm) $PY "$HERE/reference.py" "$1" "$2" ;;
    semver | go) node "$HERE/semver.js" "$NODE_MODULES" "$2" ;;
    maven) java -cp "$MAVEN_JAR:$TMP" MavenCompare <"$2" ;;
    rubygems) ruby "$HERE/gem.rb" "$2" ;;
  esac
}
# differential SCHEME PAIRS POLICY LABEL
differential() {
  ours "$1" "$2" >"$TMP/ours" && reference "$1" "$2" >"$TMP/ref" || {
    failed "$4: a tool failed"
    return
  }
  if $PY "$HERE/compare.py" "$1" "$2" "$TMP/ours" "$TMP/ref" "$3"; then
    pass "$4"
  else
    failed "$4"
  fi
}

differential dpkg "$TMP/pairs.dpkg.tsv" none "dpkg ordering agrees with libapt (apt_pkg)"
differential semver "$TMP/pairs.semver.tsv" lenient "semver ordering agrees with npm semver"
differential go "$TMP/pairs.go.tsv" lenient "Go ordering agrees with npm semver"
differential pep440 "$TMP/pairs.pep440.tsv" strict "PEP 440 ordering and validity agree with packaging"
differential maven "$TMP/pairs.maven.tsv" none "Maven ordering agrees with ComparableVersion"
differential rubygems "$TMP/pairs.rubygems.tsv" strict "RubyGems ordering and validity agree with Gem::Version"
differential rpm "$TMP/pairs.rpm.tsv" none "RPM ordering agrees with rpm.labelCompare"

# dpkg itself, on a sample plus versions it rejects or only warns about: validity must agree.
{
  awk 'NR % 16 == 1' "$TMP/pairs.dpkg.tsv"
  printf '%s\t1.0\n' '1.0-' '1:' ':1.0' 'a:1.0' '-1:1.0' '1:-1' 'x1.0' '1.0_1' '1:1.0~rc1' \
    '99999999999:1' '1.0-1-' '0:0' '1.0~-1'
} >"$TMP/dpkg-sample.tsv"
while IFS=$'\t' read -r a b; do
  set +e
  dpkg --compare-versions "$a" lt "$b" 2>/dev/null
  rc=$?
  if [ $rc -eq 1 ]; then
    dpkg --compare-versions "$a" eq "$b" 2>/dev/null && rc=3 || rc=4
  fi
  set -e
  case $rc in 0) echo -1 ;; 3) echo 0 ;; 4) echo 1 ;; *) echo error ;; esac
done <"$TMP/dpkg-sample.tsv" >"$TMP/dpkg-ref"
ours dpkg "$TMP/dpkg-sample.tsv" >"$TMP/dpkg-ours"
if $PY "$HERE/compare.py" dpkg "$TMP/dpkg-sample.tsv" "$TMP/dpkg-ours" "$TMP/dpkg-ref" strict; then
  pass "dpkg ordering and validity agree with dpkg --compare-versions on a sample"
else
  failed "dpkg --compare-versions sample"
fi

# The checkable reasons of the known vector disagreements.
KNOWN=$TOLLGATE_SOURCE_DIR/tests/data/versions/known-disagreements.tsv
for reason in maven-3.8:maven:none pep440-invalid:pep440:strict rubygems-invalid:rubygems:strict; do
  IFS=: read -r why scheme policy <<<"$reason"
  awk -F'\t' -v s="$scheme" -v w="$why" '$1 == s && $3 == w { split($2, p, " "); print p[1] "\t" p[3] }' \
    "$KNOWN" >"$TMP/known.$scheme.tsv"
  if [ ! -s "$TMP/known.$scheme.tsv" ]; then
    failed "known-disagreements.tsv has no '$why' rows"
    continue
  fi
  differential "$scheme" "$TMP/known.$scheme.tsv" "$policy" \
    "known disagreements '$why': the reference sides with tollgate"
done
finish
