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
  static const auto* eras = [] {
    auto* v = new std::vector<EraStart>;
    MatchingEra e;
    e.releases = "1.6.17 and earlier";
    e.source = "platforms/defaults_windows.go at v1.6.17";
    e.version_rule = VersionRule::kBuildPrefix;
    e.order_rule = OrderRule::kHighestRevision;
    e.admits_linux = true;
    v->push_back({{0, 0, 0, ""}, e});

    e = MatchingEra{};
    e.releases = "1.6.18 to 1.6.22";
    e.source = "platforms/defaults_windows.go at v1.6.18";
    e.version_rule = VersionRule::kBuildPrefixOrEmpty;
    e.order_rule = OrderRule::kHighestRevision;
    e.os_compared_as_written = true;
    v->push_back({{1, 6, 18, ""}, e});

    e.releases = "1.6.23 to 1.6.x";
    e.source =
        "platforms/defaults_windows.go at v1.6.23, hcsshim's "
        "osversion.CheckHostAndContainerCompat (v0.9.10)";
    e.version_rule = VersionRule::kCompatibleBuild;
    e.version_parsing = VersionParsing::kAtoiTruncated;
    v->push_back({{1, 6, 23, ""}, e});

    e = MatchingEra{};
    e.releases = "1.7.0-beta.0 to 1.7.0-beta.3";
    e.source = "platforms/defaults_windows.go at v1.7.0-beta.0";
    e.version_rule = VersionRule::kBuildPrefix;
    e.order_rule = OrderRule::kIndexOrder;
    e.accepts_386 = true;
    v->push_back({{1, 7, 0, "beta.0"}, e});

    e.releases = "1.7.0-beta.4 to 1.7.5";
    e.source = "platforms/defaults_windows.go at v1.7.0";
    e.version_rule = VersionRule::kBuildPrefixOrEmpty;
    v->push_back({{1, 7, 0, "beta.4"}, e});

    e.releases = "1.7.6 to 1.7.x";
    e.source =
        "platforms/defaults_windows.go at v1.7.6, containerd/platforms "
        "v0.2.1 (1.7.19 on)";
    e.version_rule = VersionRule::kCompatibleBuild;
    e.version_parsing = VersionParsing::kAtoiTruncated;
    v->push_back({{1, 7, 6, ""}, e});

    e.releases = "2.0.0 to 2.0.x";
    e.source = "containerd/platforms v1.0.0-rc.0, core/images/image.go";
    e.version_parsing = VersionParsing::kStrict;
    e.config_platform_has_version = true;
    v->push_back({{2, 0, 0, ""}, e});

    e.releases = "2.1.0 to 2.1.5";
    e.source =
        "containerd/platforms v1.0.0-rc.1, core/transfer/image/imagestore.go";
    e.transfer_fetches_without_386 = true;
    v->push_back({{2, 1, 0, ""}, e});

    e = MatchingEra{};
    e.releases = "2.1.6 to 2.2.x";
    e.source = "containerd/platforms v1.0.0-rc.2";
    e.version_rule = VersionRule::kCompatibleBuild;
    e.order_rule = OrderRule::kHighestOsVersionText;
    e.knows_ltsc2025 = true;
    e.config_platform_has_version = true;
    v->push_back({{2, 1, 6, ""}, e});

    e.releases = "2.3.0 and later";
    e.source = "containerd/platforms v1.0.0-rc.4";
    e.checks_os_features = true;
    v->push_back({{2, 3, 0, ""}, e});
    return v;
  }();
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
