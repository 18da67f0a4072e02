#!/usr/bin/python3
"""Generates the version pairs of the differential test (tests/integration/versions_test.sh).

For each scheme it gathers real versions (OSV advisories of the shared data, this machine's
dpkg status, the installed Python distributions and npm packages, osv-scalibr's vectors) and
synthetic tricky ones, then writes pairs.<scheme>.tsv ("A<TAB>B" per line): random pairs, close
neighbours in string order, and each version against a small mutation of itself (".0" appended,
letter case, leading zeros, ...), which is where orderings disagree. Deterministic for a seed.

  pairs.py OUT_DIR SHARED_DATA NPM_DIR SEED PAIRS_PER_SCHEME
"""
import glob
import importlib.metadata
import json
import os
import random
import subprocess
import sys
import zipfile

out_dir, shared, npm_dir, seed, per_scheme = sys.argv[1:6]
per_scheme = int(per_scheme)
rng = random.Random(int(seed))

ECOSYSTEMS = {
    "Debian": "dpkg", "Ubuntu": "dpkg", "npm": "semver", "crates.io": "semver", "Go": "go",
    "PyPI": "pep440", "Maven": "maven", "RubyGems": "rubygems", "Red Hat": "rpm",
    "Rocky Linux": "rpm", "AlmaLinux": "rpm", "SUSE": "rpm", "openSUSE": "rpm", "Mageia": "rpm",
    "openEuler": "rpm",
}
VECTORS = {"debian": "dpkg", "pypi": "pep440", "maven": "maven", "rubygems": "rubygems",
           "redhat": "rpm", "semver": "semver"}
pools = {s: set() for s in ("dpkg", "semver", "go", "pep440", "maven", "rubygems", "rpm")}


def usable(v):
    return isinstance(v, str) and v and v != "0" and not any(c in v for c in "\t\n\r\0")


# OSV advisories: explicit versions and range events.
for zpath in sorted(glob.glob(os.path.join(shared, "osv", "**", "all.zip"), recursive=True)):
    with zipfile.ZipFile(zpath) as z:
        for name in z.namelist():
            try:
                record = json.loads(z.read(name))
            except ValueError:
                continue
            for aff in record.get("affected", []):
                eco = aff.get("package", {}).get("ecosystem", "").split(":")[0]
                scheme = ECOSYSTEMS.get(eco)
                if scheme is None:
                    continue
                versions = list(aff.get("versions", []))
                for r in aff.get("ranges", []):
                    if r.get("type") == "GIT":
                        continue
                    for e in r.get("events", []):
                        versions.extend(e.values())
                pools[scheme].update(v for v in versions if usable(v))

# osv-scalibr's vectors.
for path in sorted(glob.glob(os.path.join(shared, "osv", "version-vectors", "*.txt"))):
    scheme = VECTORS.get(os.path.basename(path).split("-")[0])
    if scheme is None:
        continue
    for line in open(path, encoding="utf-8"):
        parts = line.split()
        if len(parts) == 3 and parts[1] in "<=>" and not line.startswith(("# ", "// ")):
            pools[scheme].update(p for p in (parts[0], parts[2]) if usable(p))

# This machine: dpkg status, Python distributions, npm packages.
if os.path.exists("/var/lib/dpkg/status"):
    for line in open("/var/lib/dpkg/status", encoding="utf-8", errors="replace"):
        if line.startswith("Version: "):
            pools["dpkg"].add(line[9:].strip())
for dist in importlib.metadata.distributions():
    if usable(dist.version):
        pools["pep440"].add(dist.version)
try:
    other = subprocess.run(
        ["python3", "-c", "import importlib.metadata as m\n"
         "print('\\n'.join(d.version for d in m.distributions() if d.version))"],
        capture_output=True, text=True, timeout=60).stdout
    pools["pep440"].update(v for v in other.split("\n") if usable(v))
except (OSError, subprocess.SubprocessError):
    pass
for pj in glob.glob(os.path.join(npm_dir, "node_modules", "**", "package.json"), recursive=True):
    try:
        v = json.load(open(pj, encoding="utf-8")).get("version")
    except (ValueError, OSError):
        continue
    if usable(v):
        pools["semver"].add(v)


def pick(xs):
    return xs[rng.randrange(len(xs))]


def num():
    return pick(["0", "1", "2", "3", "9", "10", "11", "12", "99", "100", "2023", "20240101",
                 "01", "007", "4294967296"])


def synth_dpkg():
    epoch = pick(["", "", "", "0:", "1:", "2:", "10:", "00:"])
    up = num()
    for _ in range(rng.randrange(4)):
        up += pick([".", ".", "+", "~", "~~", "+dfsg", "~rc", "~beta", "a", "b", "z", "A", "+b",
                    "+really", ".0", "-", ":"]) + pick(["", num()])
    if ":" in up and not epoch:
        epoch = "1:"
    rev = pick(["", "", "-1", "-0", "-1~bpo11+1", "-1+deb12u1", "-1ubuntu0.22.04.1", "-2~",
                "-a", "-1.2.3", "-0.1", "-10", "-1+b1"])
    if "-" in up and not rev:
        rev = "-1"
    return epoch + up + rev


def synth_semver():
    core = ".".join(pick(["0", "1", "2", "9", "10", "11", "99", "100", "1234567"])
                    for _ in range(3))
    pre = ""
    if rng.random() < 0.6:
        ids = [pick(["alpha", "beta", "rc", "0", "1", "2", "11", "alpha-1", "x-y", "0a", "-",
                     "--", "A", "Z", "a1", "b", "pre", "20191109021931-daa7c04131f5"])
               for _ in range(1 + rng.randrange(3))]
        pre = "-" + ".".join(ids)
    build = pick(["", "", "", "+build.5", "+sha.abc", "+001", "+incompatible"])
    return pick(["", "", "v"]) + core + pre + build


def synth_go():
    base = pick(["v0.0.0", "v1.2.3", "v1.2.4", "v2.0.0"])
    ts = "20%02d%02d%02d%02d%02d%02d" % (rng.randrange(18, 25), rng.randrange(1, 13),
                                          rng.randrange(1, 29), rng.randrange(24),
                                          rng.randrange(60), rng.randrange(60))
    sha = "%012x" % rng.randrange(16 ** 12)
    return pick([base, base + "-" + ts + "-" + sha, base + "-0." + ts + "-" + sha,
                 base + "-rc.1.0." + ts + "-" + sha, base + "+incompatible", base + "-rc.1"])


def synth_pep440():
    v = pick(["", "", "", "", "1!", "0!", "2!"])
    v += ".".join(num() for _ in range(1 + rng.randrange(4)))
    v += pick(["", "", "", "a1", "b2", "rc1", "alpha1", "beta.2", "-preview3", "c1", ".pre",
               "a", "RC1", "_b0", "pre4"])
    v += pick(["", "", "", ".post1", "-1", "post2", ".r3", "-rev4", ".post", "_post5", ".POST6"])
    v += pick(["", "", "", ".dev0", "dev1", ".DEV2", "-dev", "_dev3"])
    v += pick(["", "", "", "", "+local", "+ubuntu1", "+1.2.abc", "+abc-1", "+0", "+A.b_c"])
    if rng.random() < 0.1:
        v = pick(["v", "V", " ", "\u00a0"[:0]]) + v
    if rng.random() < 0.05:  # invalid spellings: packaging and tollgate must both reject them
        v = pick(["0.1-bulbasaur", "1.0+", "1..0", "1.0.0-SNAPSHOT", "trunk", "1.0_", "1.0+a..b",
                  "1.0-dev-1", "1.0a1b2", "!1.0", "1.0.post1.post2"])
    return v


def synth_maven():
    parts = [num()]
    for _ in range(rng.randrange(5)):
        sep = pick([".", ".", "-", "-", ""])
        tok = pick([num(), num(), "alpha", "beta", "milestone", "rc", "cr", "snapshot",
                    "SNAPSHOT", "ga", "GA", "final", "Final", "release", "RELEASE", "sp", "a", "b",
                    "m", "foo", "xyz", "M", "RC", "jre", "android", "0", "00",
                    "0000000000000000000", "99999999999999999999"])
        if sep == "" and tok[0].isdigit() == parts[-1][-1].isdigit():
            sep = "."
        parts.append(sep + tok)
    v = "".join(parts)
    if rng.random() < 0.05:
        v = pick([".1", "-1", "1.", "1-", "1..2", "1--1", "1.-1", "a", "-", "."]) + pick(["", "."])
    return v or "1"


def synth_rubygems():
    v = ".".join(pick(["0", "1", "2", "3", "10", "01", "00"]) for _ in range(1 + rng.randrange(4)))
    v += pick(["", "", ".pre", ".rc1", ".beta.2", "a", ".a", ".b1", ".A", ".0.a", ".pre.0",
               ".1.pre"])
    v += pick(["", "", "", "-rc1", "-alpha-1", "-1", "-beta.2", "-pre"])
    if rng.random() < 0.05:
        v = pick(["1beta", "a.1", "1.0-", "1..0", "1.0.", ".1"])
    return v


def synth_rpm():
    epoch = pick(["", "", "", "0:", "1:", "2:", "01:"])
    ver = num()
    for _ in range(rng.randrange(4)):
        ver += pick([".", ".", "~", "^", "_", "+", "a", "rc", "git", "~rc", "^git", "p"]) + pick(
            ["", num()])
    rel = pick(["", "", "-1", "-1.el9", "-0.1.rc1.fc38", "-1~bp", "-2.el8_6", "-1.module+el8",
                "-", "-1^post"])
    return epoch + ver + rel


SYNTH = {"dpkg": synth_dpkg, "semver": synth_semver, "go": synth_go, "pep440": synth_pep440,
         "maven": synth_maven, "rubygems": synth_rubygems, "rpm": synth_rpm}


def mutate(scheme, v):
    choice = rng.randrange(8)
    if choice == 0:
        return v + ".0"
    if choice == 1:
        return v.upper() if v != v.upper() else v.lower()
    if choice == 2:
        return v.replace(".", ".0", 1)
    if choice == 3:
        return v + {"dpkg": "~rc1", "rpm": "~rc1", "semver": "-rc.1", "go": "-rc.1",
                    "pep440": "rc1", "maven": "-rc1", "rubygems": ".rc1"}[scheme]
    if choice == 4:
        return v + {"dpkg": "+b1", "rpm": "^git1", "semver": "+build", "go": "+incompatible",
                    "pep440": ".post1", "maven": "-sp1", "rubygems": ".1"}[scheme]
    if choice == 5:
        return v.replace("-", ".", 1) if "-" in v else v.replace(".", "-", 1)
    if choice == 6:
        return v[:-1] + str((int(v[-1]) + 1) % 10) if v[-1].isdigit() else v + "1"
    return SYNTH[scheme]()


for scheme, pool in pools.items():
    synthetic = {SYNTH[scheme]() for _ in range(per_scheme // 2)}
    real = sorted(pool)
    allv = sorted(pool | synthetic)
    pairs = []
    while len(pairs) < per_scheme:
        r = rng.random()
        if r < 0.3 and real:
            pairs.append((pick(real), pick(real)))
        elif r < 0.55:
            i = rng.randrange(len(allv))
            pairs.append((allv[i], allv[min(len(allv) - 1, i + 1 + rng.randrange(3))]))
        elif r < 0.8:
            a = pick(allv)
            pairs.append((a, mutate(scheme, a)))
        else:
            pairs.append((pick(allv), pick(allv)))
    with open(os.path.join(out_dir, "pairs.%s.tsv" % scheme), "w", encoding="utf-8") as f:
        for a, b in pairs:
            if usable(a) and usable(b):
                f.write("%s\t%s\n" % (a, b))
    print("%-9s %6d real versions, %6d synthetic, %6d pairs" % (scheme, len(real), len(synthetic),
                                                                 len(pairs)))
