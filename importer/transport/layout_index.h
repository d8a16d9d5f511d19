// Choosing an image in an OCI layout's index.json (oci:, oci-archive:) by
// the TAG of the reference.
#ifndef HPC_IMPORTER_TRANSPORT_LAYOUT_INDEX_H_
#define HPC_IMPORTER_TRANSPORT_LAYOUT_INDEX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/oci/descriptor.h"

namespace hpc::transport {

inline constexpr char kRefNameAnnotation[] =
    "org.opencontainers.image.ref.name";
inline constexpr char kContainerdNameAnnotation[] = "io.containerd.image.name";

struct LayoutSelection {
  // The chosen entry; when the layout holds several unnamed entries and no
  // tag was given, the layout's index itself (`index_bytes`).
  oci::Descriptor root;
  bool root_is_layout_index = false;
  std::vector<std::string> names;  // the image's names, if any
};

// Picks the entry of `index_json` named `tag` (by its ref.name or full
// name), or without a tag the only entry. `what` names the layout in errors,
// which list the names there are.
absl::StatusOr<LayoutSelection> SelectFromLayoutIndex(
    absl::string_view index_json, const std::string& tag,
    absl::string_view what);

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_LAYOUT_INDEX_H_
