#!/usr/bin/python3
"""Compares tollgate's answers with a reference's, pair by pair, and prints the agreement.

  compare.py SCHEME PAIRS OURS REFERENCE POLICY

Each of OURS and REFERENCE has one line per pair: -1, 0, 1 or "error" (invalid version).
POLICY says what a reference "error" means:
  strict   the reference rejects the version: tollgate must reject it too (PEP 440, RubyGems)
  lenient  the reference is stricter than the scheme is on purpose (npm semver: tollgate also
           accepts "1.2", leading zeros, ...): pairs it rejects are counted and not compared;
           tollgate must still accept every pair the reference accepts
  none     the reference has no notion of an invalid version (apt_pkg, rpm, Maven): a tollgate
           "error" is counted separately and not compared (dpkg itself checks validity on a
           sample)
Exit status 1 when any compared pair disagrees. The last line is "N passed, M failed" style.
"""
import sys

scheme, pairs_path, ours_path, ref_path, policy = sys.argv[1:6]
pairs = [l.rstrip("\n").split("\t") for l in open(pairs_path, encoding="utf-8")]
ours = [l.strip() for l in open(ours_path, encoding="utf-8")]
ref = [l.strip() for l in open(ref_path, encoding="utf-8")]
if not (len(pairs) == len(ours) == len(ref)):
    print("FAIL: %s: %d pairs, %d answers from tollgate, %d from the reference"
          % (scheme, len(pairs), len(ours), len(ref)))
    sys.exit(1)

agree = both_reject = not_compared = ours_only_error = 0
bad = []
for (a, b), o, r in zip(pairs, ours, ref):
    if r == "error" and policy == "lenient":
        not_compared += 1
    elif o == "error" and policy == "none":
        ours_only_error += 1
    elif o == r:
        if o == "error":
            both_reject += 1
        else:
            agree += 1
    else:
        bad.append("%s: %r vs %r: tollgate %s, reference %s" % (scheme, a, b, o, r))

for line in bad[:25]:
    print("  DISAGREE " + line)
compared = agree + both_reject + len(bad)
print("%-9s %5d pairs: %5d of %5d compared agree (%d both reject as invalid), %d disagree; "
      "%d rejected by the reference only and not compared; %d rejected by tollgate only "
      "(reference cannot reject)"
      % (scheme, len(pairs), agree + both_reject, compared, both_reject, len(bad), not_compared,
         ours_only_error))
sys.exit(1 if bad else 0)
