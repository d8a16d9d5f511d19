#include "importer/registry/auth_challenge.h"

#include "absl/strings/ascii.h"

namespace hpc::registry {

std::optional<AuthChallenge> ParseAuthChallenge(absl::string_view header) {
  absl::string_view s = absl::StripAsciiWhitespace(header);
  size_t space = s.find(' ');
  AuthChallenge c;
  c.scheme = absl::AsciiStrToLower(s.substr(0, space));
  if (c.scheme.empty()) return std::nullopt;
  if (space == absl::string_view::npos) return c;
  s = s.substr(space + 1);
  // name=value or name="quoted, with \" escapes", separated by commas.
  while (!s.empty()) {
    s = absl::StripLeadingAsciiWhitespace(s);
    size_t eq = s.find('=');
    if (eq == absl::string_view::npos) break;
    std::string name =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(s.substr(0, eq)));
    s = s.substr(eq + 1);
    std::string value;
    if (!s.empty() && s.front() == '"') {
      size_t i = 1;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        value.push_back(s[i]);
      }
      s = i < s.size() ? s.substr(i + 1) : absl::string_view();
    } else {
      size_t end = s.find(',');
      value = std::string(absl::StripAsciiWhitespace(s.substr(0, end)));
      s = end == absl::string_view::npos ? absl::string_view() : s.substr(end);
    }
    c.params[name] = value;
    s = absl::StripLeadingAsciiWhitespace(s);
    if (!s.empty() && s.front() == ',') s.remove_prefix(1);
  }
  return c;
}

}  // namespace hpc::registry
