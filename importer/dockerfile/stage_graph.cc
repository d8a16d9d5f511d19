#include "importer/dockerfile/stage_graph.h"

#include "absl/strings/numbers.h"

namespace hpc::dockerfile {
namespace {

// The earlier stage (before `before`) that `ref` names, or -1.
int EarlierStage(const std::vector<StageDependencies>& stages, size_t before,
                 const std::string& ref) {
  size_t index = 0;
  if (absl::SimpleAtoi(ref, &index)) return index < before ? static_cast<int>(index) : -1;
  int found = -1;
  for (size_t i = 0; i < before; ++i) {
    if (!stages[i].name.empty() && stages[i].name == ref) found = static_cast<int>(i);
  }
  return found;
}

}  // namespace

std::vector<bool> StagesToBuild(const std::vector<StageDependencies>& stages,
                                const std::string& target) {
  std::vector<bool> needed(stages.size(), false);
  if (stages.empty()) return needed;
  int start = static_cast<int>(stages.size()) - 1;
  if (!target.empty()) {
    start = -1;
    for (size_t i = 0; i < stages.size(); ++i) {
      if (stages[i].name == target) start = static_cast<int>(i);
    }
    if (start < 0) return std::vector<bool>(stages.size(), true);
  }
  std::vector<int> work = {start};
  needed[start] = true;
  while (!work.empty()) {
    const int s = work.back();
    work.pop_back();
    std::vector<int> deps;
    if (stages[s].unresolved) {
      for (int i = 0; i < s; ++i) deps.push_back(i);
    }
    size_t number = 0;  // FROM names stages by name only
    if (!absl::SimpleAtoi(stages[s].from, &number))
      deps.push_back(EarlierStage(stages, s, stages[s].from));
    for (const std::string& ref : stages[s].copy_from)
      deps.push_back(EarlierStage(stages, s, ref));
    for (int d : deps) {
      if (d >= 0 && !needed[d]) {
        needed[d] = true;
        work.push_back(d);
      }
    }
  }
  return needed;
}

}  // namespace hpc::dockerfile
