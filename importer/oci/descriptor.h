// A content descriptor: what a blob is (media type), its digest and size,
// annotations and, in an index, the platform it is for. Fields this code
// does not model (urls, artifactType, ...) are kept and written back.
#ifndef HPC_IMPORTER_OCI_DESCRIPTOR_H_
#define HPC_IMPORTER_OCI_DESCRIPTOR_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "importer/oci/digest.h"
#include "importer/oci/json.h"

namespace hpc::oci {

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::map<std::string, std::string> annotations;
  std::optional<Json> platform;  // as found: {"os": ..., "architecture": ...}
  Json extra = Json::object();   // fields not listed above

  // `what` names the descriptor in errors ("layer 2 of manifest ...").
  static absl::StatusOr<Descriptor> FromJson(const Json& doc,
                                             absl::string_view what);
  Json ToJson() const;
};

// A descriptor for `bytes` of `media_type`.
Descriptor DescribeBytes(absl::string_view media_type, absl::string_view bytes);

}  // namespace hpc::oci

#endif  // HPC_IMPORTER_OCI_DESCRIPTOR_H_
