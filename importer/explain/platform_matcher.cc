#include "importer/explain/platform_matcher.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hpc::explain {
namespace {

constexpr uint32_t kLtsc2022 = 20348;
constexpr uint32_t kLtsc2025 = 26100;

// containerd's normalisation of architecture and variant, for the
// architectures a Windows amd64 node can take.
void NormalizeArchitecture(std::string& arch, std::string& variant) {
  arch = absl::AsciiStrToLower(arch);
  variant = absl::AsciiStrToLower(variant);
  if (arch == "x86_64" || arch == "x86-64" || arch == "amd64") {
    arch = "amd64";
    if (variant == "v1") variant.clear();
  } else if (arch == "i386") {
    arch = "386";
    variant.clear();
  }
}

// The oldest build a node of build `node` (>= 20348) runs: the newest LTSC
// strictly below it, or 20348.
uint32_t OldestRunnableBuild(uint32_t node, bool knows_ltsc2025) {
  std::vector<uint32_t> ltsc = {kLtsc2022};
  if (knows_ltsc2025) ltsc.push_back(kLtsc2025);
  uint32_t oldest = kLtsc2022;
  for (uint32_t release : ltsc) {
    if (node > release) oldest = release;
  }
  return oldest;
}

PlatformMatch No(std::string why) { return {false, 0, std::move(why)}; }

PlatformMatch MatchVersion(const MatchingEra& era, const NodeVersion& node,
                           std::string os_version, int rank) {
  const std::string prefix = node.ToString();
  if (era.version_rule == VersionRule::kAny) {
    return {true, rank,
            os_version.empty()
                ? "no os.version"
                : absl::StrCat("os.version ", os_version, " is not compared")};
  }
  if (os_version.empty()) {
    if (era.version_rule == VersionRule::kBuildPrefix) {
      return No(
          absl::StrCat("no os.version; this containerd needs one "
                       "starting with ",
                       prefix));
    }
    return {true, rank, "no os.version"};
  }
  if (era.version_rule != VersionRule::kCompatibleBuild) {
    // A plain text prefix, as containerd compares it.
    if (absl::StartsWith(os_version, prefix)) {
      return {true, rank,
              absl::StrCat("os.version ", os_version, " starts with ", prefix)};
    }
    return No(absl::StrCat("os.version ", os_version, " does not start with ",
                           prefix));
  }
  ImageBuild image = era.version_parsing == VersionParsing::kAtoiTruncated
                         ? ParseImageBuildAtoi(os_version)
                         : ParseImageBuild(os_version);
  if (!image.valid) {
    return No(
        absl::StrCat("os.version ", os_version, " is not major.minor.build"));
  }
  // What this containerd reads, when it is not what is written.
  std::string read_as;
  if (era.version_parsing == VersionParsing::kAtoiTruncated &&
      !absl::StartsWith(os_version, absl::StrCat(image.major, ".", image.minor,
                                                 ".", image.build))) {
    read_as = absl::StrCat(" (read as ", image.major, ".", image.minor, ".",
                           image.build, ")");
  }
  os_version = absl::StrCat(os_version, read_as);
  if (BuildsCompatible(node, image, era.knows_ltsc2025)) {
    if (image.build == node.build) {
      return {true, rank,
              absl::StrCat("os.version ", os_version, " is the node's build")};
    }
    return {true, rank,
            absl::StrCat("build ", image.build, " runs on ", node.build,
                         ": it runs builds ",
                         OldestRunnableBuild(node.build, era.knows_ltsc2025),
                         " to ", node.build)};
  }
  if (image.major != node.major || image.minor != node.minor) {
    return No(absl::StrCat("os.version ", os_version, " is not ", node.major,
                           ".", node.minor));
  }
  if (node.build < kLtsc2022) {
    return No(absl::StrCat("build ", image.build, " is not ", node.build,
                           " (below ", kLtsc2022, " builds must be equal)"));
  }
  return No(absl::StrCat("build ", image.build, " is outside ",
                         OldestRunnableBuild(node.build, era.knows_ltsc2025),
                         " to ", node.build));
}

}  // namespace

bool BuildsCompatible(const NodeVersion& node, const ImageBuild& image,
                      bool knows_ltsc2025) {
  if (node.major != image.major || node.minor != image.minor) return false;
  if (node.build < kLtsc2022) return node.build == image.build;
  return OldestRunnableBuild(node.build, knows_ltsc2025) <= image.build &&
         image.build <= node.build;
}

PlatformMatch MatchPlatform(const MatchingEra& era, const NodeVersion& node,
                            const rewrite::Platform& platform) {
  if (era.os_compared_as_written) {
    if (platform.os != "windows") {
      if (absl::AsciiStrToLower(platform.os) != "windows" &&
          !platform.os.empty()) {
        return No(absl::StrCat("os ", platform.os));
      }
      return No(absl::StrCat("os \"", platform.os,
                             "\" is not written \"windows\", as this "
                             "containerd requires"));
    }
  } else {
    // Normalised: lower-cased, and empty means the node's.
    std::string os = absl::AsciiStrToLower(platform.os);
    if (os.empty()) os = "windows";
    if (os != "windows" && !(os == "linux" && era.admits_linux)) {
      return No(absl::StrCat("os ", platform.os));
    }
  }
  std::string arch = platform.architecture, variant = platform.variant;
  NormalizeArchitecture(arch, variant);
  int rank = 0;
  if (arch == "386" && era.accepts_386) {
    rank = 1;
  } else if (arch != "amd64" || !variant.empty()) {
    return No(absl::StrCat("architecture ", platform.architecture,
                           variant.empty() ? "" : "/", variant));
  }
  if (era.checks_os_features) {
    // One "win32k" is dropped before comparing, as containerd does.
    std::vector<std::string> features = platform.os_features;
    if (auto it = std::find(features.begin(), features.end(), "win32k");
        it != features.end()) {
      features.erase(it);
    }
    if (!features.empty()) {
      return No(absl::StrCat("os.features ", absl::StrJoin(features, ","),
                             " which the node does not declare"));
    }
  }
  PlatformMatch m = MatchVersion(era, node, platform.os_version, rank);
  if (absl::AsciiStrToLower(platform.os) == "linux") {
    m.why = absl::StrCat("os linux passes this containerd's defaults (LCOW); ",
                         m.why);
  }
  return m;
}

}  // namespace hpc::explain
