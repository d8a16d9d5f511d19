#include "importer/windows/pipe_name.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace hpc::windows {

absl::StatusOr<std::string> PipeName(const std::string& address) {
  std::string name = address;
  if (absl::StartsWithIgnoreCase(name, "npipe://")) {
    name = absl::StrCat("\\\\",
                        absl::StrReplaceAll(name.substr(8), {{"/", "\\"}}));
  }
  constexpr absl::string_view kPrefix = "\\\\.\\pipe\\";
  if (!absl::StartsWithIgnoreCase(name, kPrefix) ||
      name.size() == kPrefix.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address \"", address,
        "\" is not a named pipe; on Windows it is \\\\.\\pipe\\NAME"));
  }
  return name;
}

}  // namespace hpc::windows
