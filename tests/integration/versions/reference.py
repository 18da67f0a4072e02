#!/usr/bin/python3
"""Python references of the differential test: reads "A<TAB>B" lines, prints -1/0/1 or "error".

  reference.py pep440   packaging.version.Version (Debian's python3-packaging); "error" when
                        either side raises InvalidVersion
  reference.py dpkg     apt_pkg.version_compare (python3-apt: libapt's implementation of the
                        Debian ordering; it has no notion of an invalid version)
  reference.py rpm      rpm.labelCompare((e, v, r), ...) (python3-rpm) with the EVR split that
                        rpm itself does (rpm.ver)
"""
import sys

scheme, path = sys.argv[1], sys.argv[2]


def sign(x):
    return (x > 0) - (x < 0)


if scheme == "pep440":
    from packaging.version import InvalidVersion, Version

    def cmp(a, b):
        try:
            x, y = Version(a), Version(b)
        except InvalidVersion:
            return "error"
        return str((x > y) - (x < y))
elif scheme == "dpkg":
    import apt_pkg

    apt_pkg.init_system()

    def cmp(a, b):
        return str(sign(apt_pkg.version_compare(a, b)))
elif scheme == "rpm":
    import rpm

    def evr(s):
        v = rpm.ver(s)
        return (v.e, v.v, v.r)

    def cmp(a, b):
        return str(sign(rpm.labelCompare(evr(a), evr(b))))
else:
    sys.exit("unknown scheme " + scheme)

out = []
with open(path, encoding="utf-8") as f:
    for line in f:
        a, b = line.rstrip("\n").split("\t")
        out.append(cmp(a, b))
sys.stdout.write("\n".join(out) + "\n")
