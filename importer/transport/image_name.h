// Image names as containerd and Docker write them:
// [registry/]path[:tag][@digest].
#ifndef HPC_IMPORTER_TRANSPORT_IMAGE_NAME_H_
#define HPC_IMPORTER_TRANSPORT_IMAGE_NAME_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace hpc::transport {

// The tag of `name` ("v1.0.0" of "repo/x:v1.0.0"), "latest" when it has none.
std::string TagOf(absl::string_view name);
// `name` without its tag and digest: the repository.
std::string RepositoryOf(absl::string_view name);
// A name is usable as an image record's name: not empty, no white space or
// control characters, at most 4096 bytes.
absl::Status ValidateImageName(absl::string_view name);

}  // namespace hpc::transport

#endif  // HPC_IMPORTER_TRANSPORT_IMAGE_NAME_H_
