// A platform as images and --platform name it: os/architecture[:os.version].
#ifndef HPC_IMPORTER_REWRITE_PLATFORM_H_
#define HPC_IMPORTER_REWRITE_PLATFORM_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "importer/oci/json.h"

namespace hpc::rewrite {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;  // "10.0.20348.2582"; for --platform, maybe a prefix
  std::vector<std::string> os_features;

  // "windows/amd64", "windows/amd64:10.0.17763".
  static absl::StatusOr<Platform> Parse(absl::string_view text);
  // From a descriptor's "platform" object.
  static Platform FromJson(const oci::Json& doc);
  std::string ToString() const;
};

// True when `version` is `prefix` or starts with `prefix` followed by a dot:
// 10.0.17763 matches 10.0.17763.1 but not 10.0.177631.
bool VersionHasPrefix(absl::string_view version, absl::string_view prefix);

// Compares dotted versions numerically: <0, 0, >0.
int CompareVersions(absl::string_view a, absl::string_view b);

}  // namespace hpc::rewrite

#endif  // HPC_IMPORTER_REWRITE_PLATFORM_H_
