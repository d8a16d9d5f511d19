#include "importer/log/quote.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hpc::log {

std::string Quote(absl::string_view text, size_t limit) {
  if (text.size() > limit) {
    return absl::StrCat("\"", absl::CHexEscape(text.substr(0, limit)), "\"...");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

}  // namespace hpc::log
