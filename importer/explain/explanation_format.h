// How `hpcimg explain` prints an explanation: JSON, or a table for people.
#ifndef HPC_IMPORTER_EXPLAIN_EXPLANATION_FORMAT_H_
#define HPC_IMPORTER_EXPLAIN_EXPLANATION_FORMAT_H_

#include <string>

#include "importer/explain/explain.h"
#include "importer/oci/json.h"

namespace hpc::explain {

// {"image", "kind": "index"|"manifest", "digest", "entries": [...],
//  "results": [{"host", "containerd", "era", "selected", "platform",
//  "reason", "importKeeps"}], "verdict": "ok"|"fails", "fix"}
oci::Json ToJson(const Explanation& explanation);

// An aligned table with the verdict and fix; `colour` adds ANSI colours.
std::string FormatTable(const Explanation& explanation, bool colour);

}  // namespace hpc::explain

#endif  // HPC_IMPORTER_EXPLAIN_EXPLANATION_FORMAT_H_
