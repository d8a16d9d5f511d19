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

struct MatchingEra {
  std::string releases;  // "1.6.18 to 1.6.x, 1.7.0-beta.4 to 1.7.5"
  std::string source;    // where the rules are in containerd's code
  VersionRule version_rule;
  OrderRule order_rule;
  // The entry's os must be written exactly "windows" (not "Windows").
  bool os_compared_as_written = false;
  // windows/386 entries match too, ranked after windows/amd64 ones.
  bool accepts_386 = false;
  // LTSC builds known to the compatibility rule: 20348 and 26100 (else
  // 20348 only).
  bool knows_ltsc2025 = false;
  // An entry matches only when its os.features, once "win32k" is removed,
  // are empty (the node declares none).
  bool checks_os_features = false;
};

// The era `version` belongs to. Releases newer than any known one get the
// newest era.
const MatchingEra& MatchingEraOf(const ContainerdVersion& version);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_MATCHING_ERA_H_
