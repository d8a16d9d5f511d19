// Whether containerd of a given era, on a Windows amd64 node, takes an index
// entry's platform as its own, and why.
#ifndef HPC_IMPORTER_EXPLAIN_PLATFORM_MATCHER_H_
#define HPC_IMPORTER_EXPLAIN_PLATFORM_MATCHER_H_

#include <string>

#include "importer/explain/matching_era.h"
#include "importer/explain/node_version.h"
#include "importer/rewrite/platform.h"

namespace hpc::explain {

struct PlatformMatch {
  bool matched = false;
  // Among matches, lower ranks sort first: 0 for windows/amd64, 1 for
  // windows/386 where the era accepts it.
  int rank = 0;
  std::string why;  // "os.version 10.0.20348.1 starts with 10.0.20348"
};

PlatformMatch MatchPlatform(const MatchingEra& era, const NodeVersion& node,
                            const rewrite::Platform& platform);

// The build compatibility rule: can a node of build `node` run an image of
// build `image`? `knows_ltsc2025` adds 26100 to the LTSC builds.
bool BuildsCompatible(const NodeVersion& node, const ImageBuild& image,
                      bool knows_ltsc2025);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_PLATFORM_MATCHER_H_
