// Which manifest of an index containerd pulls on a Windows node: the entries
// its platform filter keeps (matching ones, and ones without a platform),
// sorted by the era's order; the first wins. None kept: the pull fails with
// "no match for platform in manifest".
#ifndef HPC_IMPORTER_EXPLAIN_MANIFEST_SELECTION_H_
#define HPC_IMPORTER_EXPLAIN_MANIFEST_SELECTION_H_

#include <optional>
#include <string>
#include <vector>

#include "importer/explain/matching_era.h"
#include "importer/explain/node_version.h"
#include "importer/explain/platform_matcher.h"
#include "importer/rewrite/platform.h"

namespace hpc::explain {

struct ManifestSelection {
  std::vector<PlatformMatch> matches;  // one per entry, in index order
  std::vector<size_t> kept;            // entries kept, winner first
  std::optional<size_t> chosen;        // kept.front(), if any
  std::string reason;                  // one line: what matched, who won
};

// The platform in the config of an index entry that has no platform of its
// own, which containerd reads when such an entry wins.
struct ConfigOfEntry {
  std::optional<rewrite::Platform> platform;  // nullopt: unreadable
  std::string error;                          // why it is unreadable
};

// `entries` are the index's platforms in order; nullopt for an entry that
// has none. `configs`, when given, is parallel to `entries`: the config
// platforms of the entries without one. A winner without platform is
// checked against its config as containerd checks it (with a limit of 1,
// only the winner is read): if that fails, the pull fails.
ManifestSelection SelectManifest(
    const MatchingEra& era, const NodeVersion& node,
    const std::vector<std::optional<rewrite::Platform>>& entries,
    const std::vector<ConfigOfEntry>& configs = {});

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_MANIFEST_SELECTION_H_
