// What `ctr images pull REF` (no --platform) of a containerd release does
// with an index on a Windows amd64 node. It is not what CRI does: ctr fetches
// with one platform filter and unpacks with another, and a manifest it
// unpacks must be among those it fetched.
#ifndef HPC_IMPORTER_EXPLAIN_CTR_PULL_H_
#define HPC_IMPORTER_EXPLAIN_CTR_PULL_H_

#include <optional>
#include <string>
#include <vector>

#include "importer/explain/containerd_version.h"
#include "importer/explain/manifest_selection.h"
#include "importer/explain/matching_era.h"
#include "importer/explain/node_version.h"
#include "importer/rewrite/platform.h"

namespace hpc::explain {

// Which index entries ctr fetches (besides those without platform, which
// every release fetches).
enum class CtrFetchRule {
  // Every windows/amd64 entry, whatever its os.version: the filter is parsed
  // from "windows/amd64", which carries no os.version.
  kAnyWindowsAmd64,
  // The entries the release's matcher takes for the node, windows/386 not
  // among them.
  kNodeMatcher,
};

// Which fetched manifests ctr unpacks.
enum class CtrUnpackRule {
  // platforms.Only(DefaultSpec()) with the plain matcher: the first
  // windows/amd64 entry in the index whatever its os.version, else the
  // first windows/386 one, else the first without platform.
  kFirstWindowsInIndex,
  // platforms.Only(DefaultSpec()) with the release's Windows matcher: the
  // entry CRI of the same release takes.
  kReleaseMatcher,
  // Through the Transfer service: every fetched manifest (the transfer
  // service's unpack platforms match all unless check_platform_supported).
  kEveryFetched,
};

struct CtrPull {
  std::string releases;  // "1.7.6 to 1.7.18"
  std::string source;    // where it is in containerd's code
  CtrFetchRule fetch;
  CtrUnpackRule unpack;
};

// How ctr of `version` pulls. Releases newer than any known one get the
// newest behaviour.
const CtrPull& CtrPullOf(const ContainerdVersion& version);

struct CtrPullResult {
  std::vector<PlatformMatch> fetch_matches;  // one per entry, in index order
  std::vector<size_t> fetched;               // in index order
  std::vector<size_t> unpacked;              // in index order
  std::optional<size_t> chosen;  // the one unpacked (2.x: the first)
  std::string reason;            // what was fetched, what is unpacked
  std::string failure;           // empty unless the pull fails
};

// `era` is the release's matching era; `entries` and `configs` as for
// SelectManifest.
CtrPullResult SelectCtrPull(
    const CtrPull& ctr, const MatchingEra& era, const NodeVersion& node,
    const std::vector<std::optional<rewrite::Platform>>& entries,
    const std::vector<ConfigOfEntry>& configs);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_CTR_PULL_H_
