#include "importer/explain/matching_era.h"

#include <vector>

namespace hpc::explain {
namespace {

struct EraStart {
  ContainerdVersion first_release;  // the era applies from this release on
  MatchingEra era;
};

// In version order; each era lasts until the next one starts.
const std::vector<EraStart>& Eras() {
  static const auto* eras = new std::vector<EraStart>{
      {{0, 0, 0, ""},
       {"1.6.17 and earlier", "platforms/defaults_windows.go at v1.6.17",
        VersionRule::kBuildPrefix, OrderRule::kHighestRevision,
        /*os_compared_as_written=*/true}},
      {{1, 6, 18, ""},
       {"1.6.18 to 1.6.x", "platforms/defaults_windows.go at v1.6.18",
        VersionRule::kBuildPrefixOrEmpty, OrderRule::kHighestRevision,
        /*os_compared_as_written=*/true}},
      {{1, 7, 0, "beta.0"},
       {"1.7.0-beta.0 to 1.7.0-beta.3",
        "platforms/defaults_windows.go at v1.7.0-beta.0",
        VersionRule::kBuildPrefix, OrderRule::kIndexOrder, false,
        /*accepts_386=*/true}},
      {{1, 7, 0, "beta.4"},
       {"1.7.0-beta.4 to 1.7.5", "platforms/defaults_windows.go at v1.7.0",
        VersionRule::kBuildPrefixOrEmpty, OrderRule::kIndexOrder, false,
        /*accepts_386=*/true}},
      {{1, 7, 6, ""},
       {"1.7.6 to 2.1.5",
        "platforms/defaults_windows.go at v1.7.6, containerd/platforms "
        "v0.2.1 to v1.0.0-rc.1",
        VersionRule::kCompatibleBuild, OrderRule::kIndexOrder, false,
        /*accepts_386=*/true}},
      {{2, 1, 6, ""},
       {"2.1.6 to 2.2.x", "containerd/platforms v1.0.0-rc.2",
        VersionRule::kCompatibleBuild, OrderRule::kHighestOsVersionText, false,
        false, /*knows_ltsc2025=*/true}},
      {{2, 3, 0, ""},
       {"2.3.0 and later", "containerd/platforms v1.0.0-rc.4",
        VersionRule::kCompatibleBuild, OrderRule::kHighestOsVersionText, false,
        false, /*knows_ltsc2025=*/true, /*checks_os_features=*/true}},
  };
  return *eras;
}

}  // namespace

const MatchingEra& MatchingEraOf(const ContainerdVersion& version) {
  const MatchingEra* found = nullptr;
  for (const EraStart& start : Eras()) {
    if (version >= start.first_release) found = &start.era;
  }
  return *found;  // the first era starts at 0.0.0
}

}  // namespace hpc::explain
