// tollgate attest sign|verify|export-key: in-toto Statement v1 attestations in DSSE envelopes
// (and in-toto 0.9 links for Debian's in-toto tools).
#include <map>
#include <set>

#include "commands.h"
#include "report_output.h"
#include "tollgate/integrity/attest.h"
#include "tollgate/integrity/release.h"
#include "tollgate/report/finding.h"
#include "tollgate/sbom/writers.h"
#include "tollgate/util/file.h"
#include "tollgate/util/progress.h"
#include "tollgate/util/strings.h"

extern const char* const kTollgateVersion;

namespace tollgate::cli {
namespace {

struct SignArgs {
  std::string path;
  std::string key;
  std::string predicate = "sbom";
  std::string predicateType;
  std::string builderId = "https://tollgate.dev/attest";
  std::string format = "dsse";
  std::string name = "release";
  std::string output;
};

struct VerifyArgs {
  std::string attestation;
  std::vector<std::string> keys;
  std::string path;
  std::string format = "table";
  std::string failOn = "low";
  std::string output;
};

using json = nlohmann::json;

int emitText(const Env& env, const std::string& output, const std::string& text) {
  if (output.empty() || output == "-") {
    *env.out << text;
    env.out->flush();
    return 0;
  }
  auto st = writeFileAtomic(output, text);
  if (!st) {
    printError(env, st.error().describe());
    return 2;
  }
  return 0;
}

int runSign(const SignArgs& a, const Env& env) {
  if (a.format != "dsse" && a.format != "in-toto-link") {
    printError(
        env, "usage: --format must be dsse or in-toto-link, not '" + printable(a.format, 32) + "'");
    return 2;
  }
  auto key = integrity::SigningKey::load(a.key);
  if (!key) {
    printError(env, key.error().describe());
    return exitCodeFor(key.error().code);
  }
  Diagnostics diag;
  integrity::ReleaseOptions ro;
  ro.catalog = a.format == "dsse" && a.predicate == "sbom";
  Progress progress(env.stderrIsTerminal);
  ro.progress = &progress;
  auto rel = integrity::Release::open(a.path, ro, diag);
  progress.done();
  if (!rel) {
    printError(env, rel.error().describe());
    return exitCodeFor(rel.error().code);
  }
  std::vector<integrity::Subject> subjects;
  for (const auto& f : rel->files())
    if (f.type == EntryType::kRegular && !f.sha256.empty())
      subjects.push_back({f.path.substr(1), f.sha256});
  for (const auto& w : diag.warnings())
    *env.err << "tollgate: warning: " << w.where << ": " << w.what << '\n';

  if (a.format == "in-toto-link") {
    auto link = integrity::signInTotoLink(a.name, subjects, *key);
    if (!link) {
      printError(env, link.error().describe());
      return exitCodeFor(link.error().code);
    }
    return emitText(env, a.output, *link);
  }

  json predicate;
  std::string predicateType = a.predicateType;
  if (a.predicate == "sbom") {
    sbom::Bom bom = rel->bom();
    bom.metadata.toolVersion = kTollgateVersion;
    bom.metadata.timestamp = rfc3339(env.now());
    bom.metadata.serialNumber = "urn:uuid:" + env.uuid();
    bom.metadata.subjectName = a.path;
    bom.normalize();
    predicate = json::parse(sbom::write(bom, sbom::Format::kCycloneDxJson), nullptr, false);
    if (predicateType.empty()) predicateType = integrity::kCycloneDxType;
  } else if (a.predicate == "slsa") {
    // SLSA provenance v1: what tollgate can state about the release it hashed.
    predicate = {
        {"buildDefinition",
         {{"buildType", "https://tollgate.dev/attest/release@v1"},
          {"externalParameters", {{"release", a.path}}},
          {"resolvedDependencies", json::array()}}},
        {"runDetails",
         {{"builder", {{"id", a.builderId}}},
          {"metadata",
           {{"invocationId", "urn:uuid:" + env.uuid()}, {"startedOn", rfc3339(env.now())}}}}}};
    if (predicateType.empty()) predicateType = integrity::kSlsaProvenanceType;
  } else {
    auto text = readFile(a.predicate, 256u << 20);
    if (!text) {
      printError(env, text.error().describe());
      return 2;
    }
    predicate = json::parse(*text, nullptr, false);
    if (predicate.is_discarded()) {
      printError(env, a.predicate + ": predicate file is not JSON");
      return 2;
    }
    if (predicateType.empty()) {
      printError(env, "usage: --predicate FILE needs --predicate-type URI");
      return 2;
    }
  }
  std::string statement = integrity::makeStatement(subjects, predicateType, predicate);
  auto env2 = integrity::signEnvelope(statement, integrity::kInTotoPayloadType, *key);
  if (!env2) {
    printError(env, env2.error().describe());
    return exitCodeFor(env2.error().code);
  }
  int rc = emitText(env, a.output, *env2);
  if (rc == 0 && !a.output.empty())
    *env.err << "tollgate: signed " << subjects.size() << " subjects (" << predicateType
             << ") with key " << key->keyId().substr(0, 16) << " into " << a.output << '\n';
  return rc;
}

int runVerify(const VerifyArgs& a, const Env& env) {
  auto choice = parseReportChoice(a.format, a.failOn, /*vex=*/false);
  if (!choice) {
    printError(env, choice.error().describe());
    return 2;
  }
  std::vector<integrity::VerifyKey> keys;
  for (const auto& k : a.keys) {
    auto key = integrity::VerifyKey::load(k);
    if (!key) {
      printError(env, key.error().describe());
      return exitCodeFor(key.error().code);
    }
    keys.push_back(std::move(*key));
  }
  auto text = readFile(a.attestation, 256u << 20);
  if (!text) {
    printError(env, text.error().describe());
    return 2;
  }
  report::Report r;
  r.tool.version = kTollgateVersion;
  r.tool.command = "attest verify";
  r.target = a.attestation;
  auto v = integrity::verifyAttestation(*text, keys);
  if (!v && v.error().code != ErrorCode::kNotFound) {
    printError(env, v.error().within(a.attestation).describe());
    return exitCodeFor(v.error().code);
  }
  if (!v) {
    r.findings.push_back(
        {.id = "attestation-signature-invalid",
         .severity = report::Severity::kCritical,
         .subject = a.attestation,
         .message = "no signature of " + a.attestation + " verifies with the given keys",
         .evidence = {{"keys", a.keys}}});
  } else if (!a.path.empty()) {
    Diagnostics diag;
    integrity::ReleaseOptions ro;
    ro.catalog = false;
    Progress progress(env.stderrIsTerminal);
    ro.progress = &progress;
    auto rel = integrity::Release::open(a.path, ro, diag);
    progress.done();
    if (!rel) {
      printError(env, rel.error().describe());
      return exitCodeFor(rel.error().code);
    }
    std::set<std::string> attested;
    for (const auto& s : v->subjects) {
      std::string name = s.name;
      while (name.starts_with("./")) name = name.substr(2);
      attested.insert("/" + name);
      const auto* f = rel->find("/" + name);
      if (!f || f->type != EntryType::kRegular) {
        r.findings.push_back({.id = "attested-file-missing",
                              .severity = report::Severity::kHigh,
                              .subject = name,
                              .message = name + " is attested but missing",
                              .evidence = {{"attested_sha256", s.sha256}}});
      } else if (s.sha256.empty() || f->sha256 != s.sha256) {
        r.findings.push_back({.id = "attested-file-modified",
                              .severity = report::Severity::kHigh,
                              .subject = name,
                              .message = name + " differs from its attested SHA-256",
                              .evidence = {{"attested_sha256", s.sha256}, {"sha256", f->sha256}}});
      }
    }
    for (const auto& f : rel->files())
      if (f.type == EntryType::kRegular && !attested.contains(f.path))
        r.findings.push_back({.id = "unattested-file",
                              .severity = report::Severity::kMedium,
                              .subject = f.path.substr(1),
                              .message = f.path.substr(1) + " is not among the attested subjects",
                              .evidence = {{"sha256", f.sha256}}});
  }

  std::string summary;
  if (v)
    summary = "signature verified (" + v->format + ", key " + v->keyId.substr(0, 16) + "), " +
              std::to_string(v->subjects.size()) + " subjects" +
              (v->predicateType.empty() ? "" : ", predicate " + v->predicateType);
  else
    summary = "signature NOT verified";
  if (!a.path.empty() && v)
    summary += r.findings.empty() ? "; every file of " + a.path + " matches"
                                  : "; " + std::to_string(r.findings.size()) + " findings";
  ReportExtras extras;
  extras.tableHead = summary + '\n';
  extras.json["summary"] = summary;
  extras.json["verified"] = v.has_value();
  if (v) {
    extras.json["format"] = v->format;
    extras.json["keyid"] = v->keyId;
    extras.json["statement_type"] = v->statementType;
    extras.json["predicate_type"] = v->predicateType;
    extras.json["subjects"] = v->subjects.size();
  }
  if (int rc = writeReport(r, choice->format, a.output, extras, env)) return rc;
  return report::exitCode(r, choice->failOn);
}

}  // namespace

Action addAttestCommand(CLI::App& app, const Env& env) {
  auto* cmd = app.add_subcommand(
      "attest", "Sign and verify in-toto attestations (Statement v1 in DSSE envelopes)");
  cmd->require_subcommand(1);
  auto sa = std::make_shared<SignArgs>();
  auto* sign = cmd->add_subcommand(
      "sign", "Attest every file of a release (SHA-256 subjects) with an SBOM or SLSA predicate");
  sign->add_option("PATH", sa->path, "Release directory, archive or image")->required();
  sign->add_option("-k,--key", sa->key,
                   "Private key: PEM Ed25519 or ECDSA P-256, or an in-toto JSON Ed25519 key")
      ->required();
  sign->add_option("-p,--predicate", sa->predicate,
                   "sbom (CycloneDX of the release, default), slsa (SLSA provenance v1) or a JSON "
                   "file (with --predicate-type)")
      ->capture_default_str();
  sign->add_option("--predicate-type", sa->predicateType, "predicateType URI to write");
  sign->add_option("--builder-id", sa->builderId, "SLSA builder.id")->capture_default_str();
  sign->add_option("-f,--format", sa->format,
                   "dsse (in-toto Statement v1 in a DSSE envelope, default) or in-toto-link (an "
                   "in-toto 0.9 link metablock, what Debian 12's in-toto tools verify)")
      ->capture_default_str();
  sign->add_option("--name", sa->name, "in-toto-link: the step name")->capture_default_str();
  sign->add_option("-o,--output", sa->output, "Write the envelope to FILE atomically");

  auto va = std::make_shared<VerifyArgs>();
  auto* verify = cmd->add_subcommand(
      "verify", "Verify an attestation's signature and, given PATH, every file against it");
  verify->add_option("ATTESTATION", va->attestation, "DSSE envelope or in-toto link")->required();
  verify->add_option("PATH", va->path, "Release to check against the attested subjects");
  verify
      ->add_option("-k,--key", va->keys,
                   "Public key (PEM, or in-toto JSON); repeatable, any one may verify")
      ->required();
  verify->add_option("-f,--format", va->format, "table (default), json or sarif")
      ->capture_default_str();
  verify->add_option("--fail-on", va->failOn, "Exit 1 at this severity or above")
      ->capture_default_str();
  verify->add_option("-o,--output", va->output, "Write the report to FILE atomically");

  auto ka = std::make_shared<std::string>();
  auto* exportKey = cmd->add_subcommand(
      "export-key", "Print the public half of an Ed25519 key as an in-toto JSON key");
  exportKey->add_option("-k,--key", *ka, "Private key")->required();

  return [sa, va, ka, sign, verify, exportKey, &env]() -> int {
    if (sign->parsed()) return runSign(*sa, env);
    if (verify->parsed()) return runVerify(*va, env);
    if (exportKey->parsed()) {
      auto key = integrity::SigningKey::load(*ka);
      if (!key) {
        printError(env, key.error().describe());
        return exitCodeFor(key.error().code);
      }
      auto pub = key->publicKeyInToto();
      if (!pub) {
        printError(env, pub.error().describe());
        return exitCodeFor(pub.error().code);
      }
      *env.out << *pub << '\n';
      return 0;
    }
    return 2;
  };
}

}  // namespace tollgate::cli
