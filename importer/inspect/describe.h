// hpcimg inspect: what an image is, as JSON and as readable text.
#ifndef HPC_IMPORTER_INSPECT_DESCRIBE_H_
#define HPC_IMPORTER_INSPECT_DESCRIBE_H_

#include <string>

#include "absl/status/statusor.h"
#include "importer/image/image_source.h"
#include "importer/oci/json.h"

namespace hpc::inspect {

// {"image", "names", "digest", "mediaType", "kind": "manifest"|"index",
//  "manifests": [{"digest", "mediaType", "platform" (index entries),
//  "os", "architecture", "os.version", "cmd", "entrypoint", "config",
//  "layers": [{"digest", "mediaType", "size"}], "size"}]}
absl::StatusOr<oci::Json> Describe(image::ImageSource& source);

// The same, for a terminal.
std::string FormatDescription(const oci::Json& description);

}  // namespace hpc::inspect

#endif  // HPC_IMPORTER_INSPECT_DESCRIBE_H_
