// Which stages a build needs, as BuildKit decides: the target stage (the
// last, or --target), and every stage it depends on, through FROM an
// earlier stage or COPY --from=STAGE, transitively. The others are not
// built: a Linux stage nobody copies from never runs.
#ifndef HPC_IMPORTER_DOCKERFILE_STAGE_GRAPH_H_
#define HPC_IMPORTER_DOCKERFILE_STAGE_GRAPH_H_

#include <string>
#include <vector>

namespace hpc::dockerfile {

struct StageDependencies {
  std::string name;                // lower case; may be empty
  std::string from;                // the FROM image, expanded, lower case
  std::vector<std::string> copy_from;  // COPY --from values, expanded
  // A reference that could not be read before building (a variable only
  // the stage sets): every earlier stage is taken as needed.
  bool unresolved = false;
};

// needed[i] for each stage; `target` (lower case, empty: the last stage)
// must name a stage, else every stage is needed (the build reports it).
std::vector<bool> StagesToBuild(const std::vector<StageDependencies>& stages,
                                const std::string& target);

}  // namespace hpc::dockerfile

#endif  // HPC_IMPORTER_DOCKERFILE_STAGE_GRAPH_H_
