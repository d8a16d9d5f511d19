#include "importer/dockerfile/path_pattern.h"

#include <vector>

#include "absl/strings/str_split.h"

namespace hpc::dockerfile {
namespace {

// Matches a character class at pattern[*p] (just after '['); advances *p
// past the closing ']'. Returns false on a malformed class.
bool MatchClass(absl::string_view pattern, size_t* p, char c, bool* matched) {
  bool negate = false;
  if (*p < pattern.size() && (pattern[*p] == '^' || pattern[*p] == '!')) {
    negate = true;
    ++*p;
  }
  bool found = false;
  bool first = true;
  while (*p < pattern.size() && (pattern[*p] != ']' || first)) {
    first = false;
    char lo = pattern[(*p)++];
    if (lo == '\\' && *p < pattern.size()) lo = pattern[(*p)++];
    char hi = lo;
    if (*p + 1 < pattern.size() && pattern[*p] == '-' &&
        pattern[*p + 1] != ']') {
      hi = pattern[*p + 1];
      *p += 2;
      if (hi == '\\' && *p < pattern.size()) hi = pattern[(*p)++];
    }
    if (lo <= c && c <= hi) found = true;
  }
  if (*p >= pattern.size()) return false;
  ++*p;  // ']'
  *matched = found != negate;
  return true;
}

// One component against one name, with backtracking on '*'.
bool MatchComponent(absl::string_view pattern, absl::string_view name) {
  size_t p = 0, n = 0, star_p = absl::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_n = n;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++n;
        continue;
      }
      if (pc == '[') {
        size_t q = p + 1;
        bool matched = false;
        if (MatchClass(pattern, &q, name[n], &matched) && matched) {
          p = q;
          ++n;
          continue;
        }
      } else {
        if (pc == '\\' && p + 1 < pattern.size()) pc = pattern[++p];
        if (pc == name[n]) {
          ++p;
          ++n;
          continue;
        }
      }
    }
    if (star_p == absl::string_view::npos) return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool MatchParts(const std::vector<absl::string_view>& pattern, size_t i,
                const std::vector<absl::string_view>& path, size_t j) {
  if (i == pattern.size()) return j == path.size();
  if (pattern[i] == "**") {
    for (size_t k = j; k <= path.size(); ++k) {
      if (MatchParts(pattern, i + 1, path, k)) return true;
    }
    return false;
  }
  if (j == path.size()) return false;
  return MatchComponent(pattern[i], path[j]) &&
         MatchParts(pattern, i + 1, path, j + 1);
}

}  // namespace

bool PathMatch(absl::string_view pattern, absl::string_view path) {
  std::vector<absl::string_view> p =
      absl::StrSplit(pattern, '/', absl::SkipEmpty());
  std::vector<absl::string_view> n =
      absl::StrSplit(path, '/', absl::SkipEmpty());
  return MatchParts(p, 0, n, 0);
}

bool HasGlob(absl::string_view text) {
  return text.find_first_of("*?[") != absl::string_view::npos;
}

}  // namespace hpc::dockerfile
