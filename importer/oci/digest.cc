#include "importer/oci/digest.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "importer/log/quote.h"

namespace hpc::oci {

namespace {
constexpr absl::string_view kSha256Prefix = "sha256:";
constexpr size_t kSha256HexLength = 64;
constexpr size_t kQuotedInputLimit = 80;

std::string Quote(absl::string_view text) {
  return log::Quote(text, kQuotedInputLimit);
}
}  // namespace

bool IsSha256Hex(absl::string_view hex) {
  if (hex.size() != kSha256HexLength) return false;
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::StatusOr<Digest> Digest::Parse(absl::string_view text) {
  if (text.empty()) {
    return absl::InvalidArgumentError("digest is empty");
  }
  size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "digest ", Quote(text), " has no algorithm; expected sha256:<hex>"));
  }
  absl::string_view algorithm = text.substr(0, colon);
  if (algorithm != "sha256") {
    return absl::InvalidArgumentError(
        absl::StrCat("digest ", Quote(text), " uses algorithm ",
                     Quote(algorithm), "; only sha256 is supported"));
  }
  absl::string_view hex = text.substr(colon + 1);
  if (!IsSha256Hex(hex)) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest ", Quote(text),
                     " is not sha256: followed by 64 lowercase hex digits"));
  }
  return Digest(std::string(text));
}

absl::StatusOr<Digest> Digest::FromHex(absl::string_view hex) {
  return Parse(absl::StrCat(kSha256Prefix, hex));
}

}  // namespace hpc::oci
