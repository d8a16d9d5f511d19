// containerd's filter syntax, as List and ListStatuses take it.
//
//   filter    := selector ("," selector)*        all selectors must match
//   selector  := fieldpath [operator value]      no operator: field present
//   fieldpath := field ("." field)*              field: [A-Za-z0-9_]+ or
//   "quoted" operator  := "==" | "!=" | "~="             ~= is an RE2 regular
//   expression value     := "quoted" | unquoted run up to "," or space
//                (~= also takes /regex/ and |regex|)
//
// Several filters match when any one of them does; no filter matches all.
// Example: labels."containerd.io/gc.root",digest~=^sha256:ab
#ifndef HPC_PLUGIN_STORE_FILTER_H_
#define HPC_PLUGIN_STORE_FILTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace re2 {
class RE2;
}

namespace hpc::store {

class Filter {
 public:
  // Looks up a field path on the object being matched; nullopt when absent.
  using Adaptor = absl::FunctionRef<std::optional<std::string>(
      const std::vector<std::string>& fieldpath)>;

  // Parses one filter; InvalidArgument shows where the input went wrong.
  static absl::StatusOr<Filter> Parse(absl::string_view text);
  // Parses several filters, any of which may match.
  static absl::StatusOr<Filter> ParseAny(const std::vector<std::string>& texts);

  // Matches everything.
  Filter() = default;

  bool Match(Adaptor adaptor) const;

 private:
  enum class Operator { kPresent, kEqual, kNotEqual, kMatches };
  struct Selector {
    std::vector<std::string> fieldpath;
    Operator op = Operator::kPresent;
    std::string value;
    std::shared_ptr<const re2::RE2> regex;
  };
  using Conjunction = std::vector<Selector>;

  class Parser;
  static bool MatchSelector(const Selector& selector, Adaptor adaptor);

  // Any of these must match; when empty, everything matches.
  std::vector<Conjunction> alternatives_;
};

}  // namespace hpc::store

#endif  // HPC_PLUGIN_STORE_FILTER_H_
