// A containerd release as users name it: 1.6.17, v1.7.0-beta.3, 2.0.
#ifndef HPC_IMPORTER_EXPLAIN_CONTAINERD_VERSION_H_
#define HPC_IMPORTER_EXPLAIN_CONTAINERD_VERSION_H_

#include <compare>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::explain {

struct ContainerdVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  // "beta.3", "rc.1"; empty for a release. A pre-release sorts before its
  // release, and betas before release candidates.
  std::string pre_release;

  // "1.6.17", "v1.6.17", "1.7.0-beta.3"; a missing patch is 0.
  static absl::StatusOr<ContainerdVersion> Parse(absl::string_view text);
  std::string ToString() const;

  std::strong_ordering operator<=>(const ContainerdVersion& other) const;
  bool operator==(const ContainerdVersion& other) const {
    return (*this <=> other) == std::strong_ordering::equal;
  }
};

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_CONTAINERD_VERSION_H_
