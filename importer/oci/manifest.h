// An image manifest (OCI or Docker schema 2): a config and layers. The whole
// document is kept, so unknown fields survive.
#ifndef HPC_IMPORTER_OCI_MANIFEST_H_
#define HPC_IMPORTER_OCI_MANIFEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/oci/descriptor.h"
#include "importer/oci/json.h"
#include "importer/oci/media_types.h"

namespace hpc::oci {

class Manifest {
 public:
  // Parses and checks a manifest; `what` names it in errors.
  static absl::StatusOr<Manifest> Parse(absl::string_view bytes,
                                        absl::string_view what);
  // A new manifest of `format` for `config` and `layers`.
  static Manifest Make(MediaTypeFormat format, const Descriptor& config,
                       const std::vector<Descriptor>& layers);

  const std::string& media_type() const { return media_type_; }
  const Descriptor& config() const { return config_; }
  const std::vector<Descriptor>& layers() const { return layers_; }
  // Replaces config and layers in the document.
  void set_config(const Descriptor& config);
  void set_layers(const std::vector<Descriptor>& layers);
  const Json& json() const { return doc_; }
  std::string Serialize() const { return CanonicalJson(doc_); }

 private:
  Json doc_;
  std::string media_type_;
  Descriptor config_;
  std::vector<Descriptor> layers_;
};

// An image index or Docker manifest list.
class Index {
 public:
  static absl::StatusOr<Index> Parse(absl::string_view bytes,
                                     absl::string_view what);
  static Index Make(MediaTypeFormat format,
                    const std::vector<Descriptor>& manifests);

  const std::string& media_type() const { return media_type_; }
  const std::vector<Descriptor>& manifests() const { return manifests_; }
  const Json& json() const { return doc_; }
  std::string Serialize() const { return CanonicalJson(doc_); }

 private:
  Json doc_;
  std::string media_type_;
  std::vector<Descriptor> manifests_;
};

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_MANIFEST_H_
