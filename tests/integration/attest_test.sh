#!/usr/bin/env bash
# `tollgate attest sign|verify` (issue #5): in-toto Statement v1 in DSSE envelopes with Ed25519
# and ECDSA P-256 keys (OpenSSL), checked against the release files; and interoperability with
# Debian 12's in-toto 1.3.1 in both directions:
#   - its CLI has no DSSE or Statement v1 support (in-toto-run/in-toto-sign read and write only
#     0.9 link/layout metablocks), so for the CLI the exchanged format is the link metablock:
#     tollgate's link is verified by `in-toto-sign --verify`, and `in-toto-run`'s link by
#     `tollgate attest verify` (signature and every product hash);
#   - DSSE envelopes with Statement v1 are exchanged through the in-toto package's crypto library
#     (securesystemslib 0.26): it verifies tollgate's envelope signature over the DSSE PAE, and
#     tollgate verifies an envelope it signed.
source "$(dirname "$0")/lib/assert.sh"

command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 0; }

cd "$TMP"
rel=$TMP/release
mkdir -p "$rel/bin" "$rel/share"
printf '#!/bin/sh\necho hello\n' >"$rel/bin/hello"
chmod +x "$rel/bin/hello"
printf 'data one\n' >"$rel/share/one.txt"
printf 'data two\n' >"$rel/share/two.txt"

openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null
openssl pkey -in ed.key -pubout -out ed.pub 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
openssl pkey -in ec.key -pubout -out ec.pub 2>/dev/null
openssl genpkey -algorithm ed25519 -out other.key 2>/dev/null
openssl pkey -in other.key -pubout -out other.pub 2>/dev/null

# --- Sign and verify (Ed25519, SBOM predicate) -------------------------------------------------
run_rc "$TOLLGATE" attest sign "$rel" --key ed.key -o att.json
expect_eq "$RC" 0 "sign with Ed25519"
v=$(python3 - <<'EOF'
import base64, json
env = json.load(open("att.json"))
st = json.loads(base64.b64decode(env["payload"]))
print(env["payloadType"], st["_type"], st["predicateType"], len(st["subject"]),
      st["predicate"]["bomFormat"], sorted(s["name"] for s in st["subject"])[0])
EOF
)
expect_eq "$v" "application/vnd.in-toto+json https://in-toto.io/Statement/v1 https://cyclonedx.org/bom 3 CycloneDX bin/hello" \
  "DSSE envelope holds a Statement v1 with every file and a CycloneDX predicate"
run_rc "$TOLLGATE" attest verify att.json "$rel" --key ed.pub
expect_eq "$RC" 0 "verify: signature and files"
expect_contains "$OUT" "every file of $rel matches" "verify summary"

# A changed, a removed and an added file.
cp -a "$rel" rel2
printf 'tampered\n' >rel2/share/one.txt
rm rel2/share/two.txt
printf 'new\n' >rel2/share/three.txt
run_rc "$TOLLGATE" attest verify att.json rel2 --key ed.pub --format json
expect_eq "$RC" 1 "verify fails on a changed release"
got=$(python3 -c 'import json,sys; print(" ".join(sorted(f["id"]+"@"+f["subject"] for f in json.load(sys.stdin)["findings"])))' <<<"$OUT")
expect_eq "$got" "attested-file-missing@share/two.txt attested-file-modified@share/one.txt unattested-file@share/three.txt" \
  "modified, missing and unattested files"

# Wrong key; tampered payload.
run_rc "$TOLLGATE" attest verify att.json "$rel" --key other.pub
expect_eq "$RC" 1 "wrong key: exit 1"
expect_contains "$OUT" "attestation-signature-invalid" "wrong key: signature finding"
python3 - <<'EOF'
import base64, json
env = json.load(open("att.json"))
st = json.loads(base64.b64decode(env["payload"]))
st["subject"][0]["digest"]["sha256"] = "0" * 64
env["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
json.dump(env, open("forged.json", "w"))
EOF
run_rc "$TOLLGATE" attest verify forged.json "$rel" --key ed.pub
expect_eq "$RC" 1 "edited payload: signature fails"

# --- ECDSA P-256 with SLSA provenance ------------------------------------------------------------
run_rc "$TOLLGATE" attest sign "$rel" --key ec.key --predicate slsa --builder-id https://ci.example/builder -o slsa.json
expect_eq "$RC" 0 "sign with ECDSA P-256"
run_rc "$TOLLGATE" attest verify slsa.json "$rel" --key ec.pub --format json
expect_eq "$RC" 0 "verify ECDSA"
expect_contains "$OUT" '"predicate_type": "https://slsa.dev/provenance/v1"' "SLSA provenance predicate"

# --- Bad input -------------------------------------------------------------------------------------
printf '{"payloadType": 1}' >bad.json
run_rc "$TOLLGATE" attest verify bad.json --key ed.pub
expect_eq "$RC" 2 "malformed envelope: exit 2"
expect_contains "$ERR" "bad.json" "error names the file"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.key 2>/dev/null
run_rc "$TOLLGATE" attest sign "$rel" --key rsa.key
expect_eq "$RC" 2 "RSA key refused"
expect_contains "$ERR" "only Ed25519 and ECDSA P-256" "RSA refusal says why"
run_rc "$TOLLGATE" attest sign "$rel" --key does-not-exist.key
expect_eq "$RC" 2 "missing key: exit 2"

# --- Interoperability with Debian's in-toto ---------------------------------------------------------
if ! command -v in-toto-run >/dev/null || ! /usr/bin/python3 -c 'import securesystemslib' 2>/dev/null; then
  echo "SKIP: in-toto not installed (scripts/deps.sh test)"
  finish
  exit $?
fi

# tollgate -> in-toto CLI: a link metablock signed by tollgate, checked by in-toto-sign.
"$TOLLGATE" attest export-key --key ed.key >ed.pub.json
run_rc "$TOLLGATE" attest sign "$rel" --key ed.key --format in-toto-link --name release -o release.link
expect_eq "$RC" 0 "tollgate writes an in-toto link"
run_rc in-toto-sign -f release.link -k ed.pub.json -t ed25519 --verify
expect_eq "$RC" 0 "in-toto-sign --verify accepts tollgate's link signature ($ERR)"
python3 -c 'import json; d=json.load(open("release.link")); d["signed"]["products"]["share/one.txt"]["sha256"]="0"*64; json.dump(d, open("bad.link","w"))'
run_rc in-toto-sign -f bad.link -k ed.pub.json -t ed25519 --verify
expect_eq "$RC" 1 "in-toto-sign --verify rejects an edited link (control)"
run_rc "$TOLLGATE" attest verify release.link "$rel" --key ed.pub
expect_eq "$RC" 0 "tollgate verifies its own link"

# in-toto CLI -> tollgate: in-toto-run records the release's products and signs the link.
in-toto-keygen -t ed25519 "$TMP/itkey" >/dev/null
mkdir -p links
(cd "$rel" && in-toto-run -n build -k "$TMP/itkey" -t ed25519 -p . -d "$TMP/links" -x >/dev/null 2>&1)
link=$(ls links/build.*.link)
run_rc "$TOLLGATE" attest verify "$link" "$rel" --key "$TMP/itkey.pub" --format json
expect_eq "$RC" 0 "tollgate verifies in-toto-run's link ($ERR)"
expect_contains "$OUT" '"format": "in-toto-link"' "link format recognised"
expect_contains "$OUT" '"subjects": 3' "in-toto products read as subjects"
run_rc "$TOLLGATE" attest verify "$link" rel2 --key "$TMP/itkey.pub"
expect_eq "$RC" 1 "in-toto link vs changed release: findings"
run_rc "$TOLLGATE" attest verify "$link" "$rel" --key ed.pub.json
expect_eq "$RC" 1 "in-toto link with another key: not verified"

# DSSE + Statement v1 through the in-toto package's securesystemslib, both directions.
cat >sslib_interop.py <<'EOF'
import base64, json, sys
from securesystemslib import keys, interface
tmp = sys.argv[1]
def pae(t, b):
    return b"DSSEv1 %d %s %d %s" % (len(t), t.encode(), len(b), b)
# Verify tollgate's envelope with the public key exported for in-toto.
pub = keys.format_metadata_to_key(json.load(open(tmp + "/ed.pub.json")))[0]
env = json.load(open(tmp + "/att.json"))
payload = base64.b64decode(env["payload"])
sig = env["signatures"][0]
assert sig["keyid"] == pub["keyid"], "keyid matches securesystemslib's"
ok = keys.verify_signature(pub, {"keyid": sig["keyid"], "sig": base64.b64decode(sig["sig"]).hex()},
                           pae(env["payloadType"], payload))
assert ok, "securesystemslib verifies tollgate's DSSE signature"
# Sign a Statement v1 envelope with an in-toto key for tollgate to verify.
priv = interface.import_ed25519_privatekey_from_file(tmp + "/itkey")
st = {"_type": "https://in-toto.io/Statement/v1",
      "subject": [{"name": "share/one.txt",
                   "digest": {"sha256": __import__("hashlib").sha256(b"data one\n").hexdigest()}}],
      "predicateType": "https://slsa.dev/provenance/v1", "predicate": {"buildDefinition": {}}}
body = json.dumps(st).encode()
s = keys.create_signature(priv, pae("application/vnd.in-toto+json", body))
json.dump({"payloadType": "application/vnd.in-toto+json", "payload": base64.b64encode(body).decode(),
           "signatures": [{"keyid": s["keyid"], "sig": base64.b64encode(bytes.fromhex(s["sig"])).decode()}]},
          open(tmp + "/sslib.dsse.json", "w"))
print("ok")
EOF
run_rc /usr/bin/python3 sslib_interop.py "$TMP"
expect_eq "$RC" 0 "securesystemslib verifies tollgate's DSSE envelope and signs one ($ERR)"
run_rc "$TOLLGATE" attest verify sslib.dsse.json --key "$TMP/itkey.pub" --format json
expect_eq "$RC" 0 "tollgate verifies a DSSE envelope signed by securesystemslib"
expect_contains "$OUT" '"statement_type": "https://in-toto.io/Statement/v1"' "Statement v1 read"

finish
