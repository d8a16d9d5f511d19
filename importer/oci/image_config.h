// An image configuration: platform (os, architecture, os.version), the
// runtime config and the layers' diff IDs. The whole document is kept.
#ifndef HPC_IMPORTER_OCI_IMAGE_CONFIG_H_
#define HPC_IMPORTER_OCI_IMAGE_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/oci/digest.h"
#include "importer/oci/json.h"

namespace hpc::oci {

class ImageConfig {
 public:
  static absl::StatusOr<ImageConfig> Parse(absl::string_view bytes,
                                           absl::string_view what);
  explicit ImageConfig(Json doc) : doc_(std::move(doc)) {}

  std::string os() const { return StringField("os"); }
  std::string architecture() const { return StringField("architecture"); }
  std::string os_version() const { return StringField("os.version"); }
  std::vector<Digest> diff_ids() const;

  Json& json() { return doc_; }
  const Json& json() const { return doc_; }
  std::string Serialize() const { return CanonicalJson(doc_); }

 private:
  std::string StringField(const char* name) const;
  Json doc_;
};

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_IMAGE_CONFIG_H_
