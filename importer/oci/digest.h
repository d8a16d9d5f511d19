// A content digest in its canonical string form, "sha256:<64 lowercase hex>".
//
// Digests name blobs on disk and on the wire, so every digest that comes from
// outside is parsed here before it is used to build a path. Only sha256, the
// canonical algorithm of OCI images and containerd, is accepted.
#ifndef HPC_IMPORTER_OCI_DIGEST_H_
#define HPC_IMPORTER_OCI_DIGEST_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::oci {

class Digest {
 public:
  // Parses "sha256:<hex>"; InvalidArgument names the input and what is wrong.
  static absl::StatusOr<Digest> Parse(absl::string_view text);
  // Builds a digest from the 64 hex characters of a sha256 sum.
  static absl::StatusOr<Digest> FromHex(absl::string_view hex);

  Digest() = default;

  const std::string& str() const { return text_; }
  absl::string_view algorithm() const {
    return absl::string_view(text_).substr(0, 6);
  }
  absl::string_view hex() const { return absl::string_view(text_).substr(7); }
  bool empty() const { return text_.empty(); }

  friend bool operator==(const Digest&, const Digest&) = default;
  friend auto operator<=>(const Digest&, const Digest&) = default;

 private:
  explicit Digest(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// True when `hex` is exactly 64 lowercase hex characters.
bool IsSha256Hex(absl::string_view hex);

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_DIGEST_H_
