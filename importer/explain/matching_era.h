// How a containerd release picks the manifest for a Windows node out of an
// index. Releases fall into eras that differ in which entries match and in
// which of several matches wins; each era records what its release's
// platform code does (platforms/defaults_windows.go in containerd, later the
// containerd/platforms module).
#ifndef HPC_IMPORTER_EXPLAIN_MATCHING_ERA_H_
#define HPC_IMPORTER_EXPLAIN_MATCHING_ERA_H_

#include <string>

#include "importer/explain/containerd_version.h"

namespace hpc::explain {

// When an entry's os.version matches the node's 10.0.B.
enum class VersionRule {
  // os.version starts with "10.0.B" as text; empty never matches (the
  // failure of containerd issue 7431).
  kBuildPrefix,
  // As kBuildPrefix, or os.version is empty.
  kBuildPrefixOrEmpty,
  // Empty, or the builds are compatible: below 20348 equal builds; from 20348
  // on, builds from the newest LTSC below the node's (or 20348) up to the
  // node's own.
  kCompatibleBuild,
  // os.version is not looked at: os and architecture decide (the plain
  // matcher ctr's fetch and, before 1.7, its unpack use).
  kAny,
};

// Which of several matching entries wins.
enum class OrderRule {
  // The highest revision (the 4th number of os.version) wins.
  kHighestRevision,
  // The first in the index wins (windows/amd64 entries before windows/386).
  kIndexOrder,
  // The highest os.version wins, compared as text.
  kHighestOsVersionText,
};

// How os.version's numbers are read for the compatibility rule.
enum class VersionParsing {
  // strconv.ParseUint with each field's width: a field that is not a
  // number in range leaves the version unreadable, and it matches nothing.
  kStrict,
  // strconv.Atoi, errors ignored, then cut to uint8.uint8.uint16: a sign is
  // accepted ("+10"), a field that is not a number reads as 0, and a build
  // wraps (83299 reads as 17763).
  kAtoiTruncated,
};

struct MatchingEra {
  std::string releases;  // "1.6.18 to 1.6.x, 1.7.0-beta.4 to 1.7.5"
  std::string source;    // where the rules are in containerd's code
  VersionRule version_rule;
  OrderRule order_rule;
  // The entry's os must be written exactly "windows" (not "Windows", not
  // empty); otherwise it is normalised (lower-cased, empty read as the
  // node's "windows").
  bool os_compared_as_written = false;
  // linux entries of the node's architecture pass the os check too (the
  // defaults of 1.6.17 and earlier list linux for LCOW); os.version decides.
  bool admits_linux = false;
  // windows/386 entries match too, ranked after windows/amd64 ones.
  bool accepts_386 = false;
  // LTSC builds known to the compatibility rule: 20348 and 26100 (else
  // 20348 only).
  bool knows_ltsc2025 = false;
  // An entry matches only when its os.features, once "win32k" is removed,
  // are empty (the node declares none).
  bool checks_os_features = false;
  VersionParsing version_parsing = VersionParsing::kStrict;
  // An entry without platform that wins is checked against its config's
  // platform: os and architecture only (1.x), or with os.version and
  // os.features too (2.x).
  bool config_platform_has_version = false;
  // CRI pulls through the Transfer service, whose fetch filter is
  // Ordered(DefaultSpec()) without windows/386, while the selection after it
  // accepts 386: a 386 entry that wins was never fetched, and the pull
  // fails (unless use_local_image_pull).
  bool transfer_fetches_without_386 = false;
};

// The era `version` belongs to. Releases newer than any known one get the
// newest era.
const MatchingEra& MatchingEraOf(const ContainerdVersion& version);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_MATCHING_ERA_H_
