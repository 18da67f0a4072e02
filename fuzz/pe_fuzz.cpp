// libFuzzer target for the PE parser (binfmt/pe.h) and Authenticode (binfmt/authenticode.h):
// headers, imports, exports, VERSIONINFO, the certificate table, PKCS#7 through OpenSSL and the
// image digest. Invariants checked on every input that parses:
//   overlay accounting adds up; RVA lookups stay inside the input;
//   "unsigned" exactly when there is no certificate table; "valid" only when the digest
//   matches and the signature verifies; slack never exceeds the entry's padding.
//   build-fuzz/fuzz/pe_fuzz -max_total_time=300 fuzz/corpus/pe
#include <cstddef>
#include <cstdint>
#include <span>

#include "tollgate/binfmt/authenticode.h"
#include "tollgate/binfmt/gobuildinfo.h"
#include "tollgate/binfmt/pe.h"
#include "tollgate/util/result.h"

using tollgate::binfmt::SignatureStatus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bytes = std::as_bytes(std::span(data, size));
  auto pe = tollgate::binfmt::parsePe(bytes);
  if (!pe) return 0;
  TOLLGATE_CHECK(pe->overlayOffset + pe->overlaySize == size, "overlay ends at the end of file");
  TOLLGATE_CHECK(pe->overlayOutsideCertificates <= pe->overlaySize, "overlay accounting");
  for (const auto& s : pe->sections) {
    TOLLGATE_CHECK(s.entropy >= 0.0 && s.entropy <= 8.0 + 1e-9, "entropy is in [0, 8]");
    auto d = tollgate::binfmt::peRvaData(bytes, *pe, s.virtualAddress, 16);
    if (d && !d->empty())
      TOLLGATE_CHECK(d->data() >= bytes.data() && d->data() + d->size() <= bytes.data() + size,
                     "RVA data lies inside the file");
  }
  if (pe->versionInfo) (void)pe->versionInfo->fixedFileVersion();
  auto sig = tollgate::binfmt::verifyAuthenticode(bytes, *pe);
  if (sig) {
    auto table = pe->certificateTable();
    bool noTable = table.size == 0 || table.address == 0;
    TOLLGATE_CHECK((sig->status == SignatureStatus::kUnsigned) == noTable,
                   "unsigned exactly when there is no certificate table");
    if (sig->status == SignatureStatus::kValid)
      TOLLGATE_CHECK(sig->digestMatches && sig->signatureVerifies && sig->signer,
                     "valid means digest and signature check out");
    for (const auto& e : sig->entries)
      TOLLGATE_CHECK(e.slackBytes <= e.paddingBytes, "slack is part of the padding");
  }
  (void)tollgate::binfmt::goBuildInfoFromPe(bytes, *pe);
  return 0;
}
