#include "importer/log/quote.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hpc::log {

namespace {
// C escapes, as CHexEscape makes them, except for the single quote: inside
// double quotes it needs none (as Go's strconv.Quote writes it).
std::string Escape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\'') {
      out += absl::CHexEscape(text.substr(start, i - start));
      if (i < text.size()) out += '\'';
      start = i + 1;
    }
  }
  return out;
}
}  // namespace

std::string Quote(absl::string_view text, size_t limit) {
  if (text.size() > limit) {
    return absl::StrCat("\"", Escape(text.substr(0, limit)), "\"...");
  }
  return absl::StrCat("\"", Escape(text), "\"");
}

}  // namespace hpc::log
