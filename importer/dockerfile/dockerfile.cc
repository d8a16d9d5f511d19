#include "importer/dockerfile/dockerfile.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace hpc::dockerfile {
namespace {

// Instructions whose leading --flags are parsed.
bool TakesFlags(absl::string_view keyword) {
  return keyword == "ADD" || keyword == "COPY" || keyword == "FROM" ||
         keyword == "RUN";
}

// Instructions that may be written as a JSON array.
bool TakesJson(absl::string_view keyword) {
  return keyword == "ADD" || keyword == "COPY" || keyword == "CMD" ||
         keyword == "ENTRYPOINT" || keyword == "RUN" || keyword == "SHELL" ||
         keyword == "VOLUME";
}

bool TakesHeredocs(absl::string_view keyword) {
  return keyword == "RUN" || keyword == "COPY" || keyword == "ADD";
}

// The <<NAME, <<-NAME, <<'NAME' and <<"NAME" words of `text`, outside
// quotes: (name, strip tabs, expand).
struct HeredocStart {
  std::string name;
  bool strip_tabs = false;
  bool expand = true;
};
std::vector<HeredocStart> FindHeredocs(absl::string_view text) {
  std::vector<HeredocStart> found;
  char quote = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    char c = text[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      continue;
    }
    if (c != '<' || text[i + 1] != '<' || (i > 0 && text[i - 1] == '<'))
      continue;
    size_t j = i + 2;
    HeredocStart h;
    if (j < text.size() && text[j] == '-') {
      h.strip_tabs = true;
      ++j;
    }
    char q = 0;
    if (j < text.size() && (text[j] == '\'' || text[j] == '"')) {
      q = text[j++];
      h.expand = false;
    }
    size_t start = j;
    while (j < text.size() && (absl::ascii_isalnum(text[j]) || text[j] == '_' ||
                               text[j] == '-' || text[j] == '.'))
      ++j;
    if (j == start) continue;
    h.name = std::string(text.substr(start, j - start));
    if (q != 0) {
      if (j >= text.size() || text[j] != q) continue;
      ++j;
    }
    found.push_back(std::move(h));
    i = j - 1;
  }
  return found;
}

std::optional<std::vector<std::string>> JsonArguments(absl::string_view text) {
  if (!absl::StartsWith(text, "[")) return std::nullopt;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& item : doc) {
    if (!item.is_string()) return std::nullopt;
    out.push_back(item.get<std::string>());
  }
  return out;
}

// A parser directive line: "# name=value". Returns false for anything else.
bool ParseDirective(absl::string_view line, std::string* name,
                    std::string* value) {
  absl::string_view rest = absl::StripAsciiWhitespace(line);
  if (!absl::ConsumePrefix(&rest, "#")) return false;
  rest = absl::StripLeadingAsciiWhitespace(rest);
  size_t eq = rest.find('=');
  if (eq == absl::string_view::npos) return false;
  absl::string_view key = absl::StripAsciiWhitespace(rest.substr(0, eq));
  if (key.empty()) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(c)) return false;
  }
  *name = absl::AsciiStrToLower(key);
  *value = std::string(absl::StripAsciiWhitespace(rest.substr(eq + 1)));
  return true;
}

bool IsComment(absl::string_view line) {
  return absl::StartsWith(absl::StripLeadingAsciiWhitespace(line), "#");
}

}  // namespace

absl::Status InstructionError(const Dockerfile& file,
                              const Instruction& instruction,
                              absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(file.name, ":", instruction.line, ": ", message));
}

absl::StatusOr<Dockerfile> ParseDockerfile(absl::string_view text,
                                           absl::string_view name) {
  Dockerfile file;
  file.name = std::string(name);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  for (std::string& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  auto error = [&](size_t index, absl::string_view message) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", index + 1, ": ", message));
  };

  // Parser directives come first, before any blank line, comment or
  // instruction; an unknown one ends them and reads as a comment.
  size_t i = 0;
  std::map<std::string, bool> seen;
  for (; i < lines.size(); ++i) {
    std::string key, value;
    if (!ParseDirective(lines[i], &key, &value)) break;
    if (key != "escape" && key != "syntax" && key != "check") break;
    if (seen[key]) {
      return error(i,
                   absl::StrCat("parser directive ", key, " is given twice"));
    }
    seen[key] = true;
    if (key == "escape") {
      if (value != "\\" && value != "`") {
        return error(i,
                     absl::StrCat("escape \"", value, "\": must be \\ or `"));
      }
      file.escape = value[0];
    }
    if (key == "syntax") file.syntax = value;
  }

  while (i < lines.size()) {
    absl::string_view first = lines[i];
    if (absl::StripAsciiWhitespace(first).empty() || IsComment(first)) {
      ++i;
      continue;
    }
    Instruction instruction;
    instruction.line = static_cast<int>(i) + 1;
    std::string joined;
    bool continued = true;
    while (continued && i < lines.size()) {
      absl::string_view line = lines[i++];
      if (!joined.empty() &&
          (absl::StripAsciiWhitespace(line).empty() || IsComment(line))) {
        continue;  // blank lines and comments inside a continuation
      }
      absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(line);
      continued = !trimmed.empty() && trimmed.back() == file.escape;
      if (continued) trimmed.remove_suffix(1);
      absl::StrAppend(&joined, trimmed);
    }
    absl::string_view rest = absl::StripAsciiWhitespace(joined);
    instruction.text = std::string(rest);
    size_t space = rest.find_first_of(" \t");
    instruction.keyword = absl::AsciiStrToUpper(rest.substr(0, space));
    rest = space == absl::string_view::npos
               ? absl::string_view()
               : absl::StripLeadingAsciiWhitespace(rest.substr(space));
    for (char c : instruction.keyword) {
      if (!absl::ascii_isalpha(c)) {
        return error(
            instruction.line - 1,
            absl::StrCat("\"", instruction.text, "\" is not an instruction"));
      }
    }
    if (TakesFlags(instruction.keyword)) {
      while (absl::StartsWith(rest, "--")) {
        size_t end = rest.find_first_of(" \t");
        absl::string_view flag = rest.substr(2, end == absl::string_view::npos
                                                    ? absl::string_view::npos
                                                    : end - 2);
        size_t eq = flag.find('=');
        instruction.flags.emplace_back(std::string(flag.substr(0, eq)),
                                       eq == absl::string_view::npos
                                           ? ""
                                           : std::string(flag.substr(eq + 1)));
        rest = end == absl::string_view::npos
                   ? absl::string_view()
                   : absl::StripLeadingAsciiWhitespace(rest.substr(end));
      }
    }
    instruction.arguments = std::string(rest);
    if (TakesJson(instruction.keyword)) {
      instruction.json = JsonArguments(rest);
    }
    if (TakesHeredocs(instruction.keyword) && !instruction.json) {
      for (const HeredocStart& start : FindHeredocs(rest)) {
        Heredoc doc;
        doc.name = start.name;
        doc.expand = start.expand;
        bool closed = false;
        while (i < lines.size()) {
          std::string line(lines[i++]);
          if (start.strip_tabs) {
            line.erase(0, line.find_first_not_of('\t'));
          }
          if (line == start.name) {
            closed = true;
            break;
          }
          absl::StrAppend(&doc.content, line, "\n");
        }
        if (!closed) {
          return error(instruction.line - 1,
                       absl::StrCat("here-document <<", start.name,
                                    " has no line ", start.name, " to end it"));
        }
        instruction.heredocs.push_back(std::move(doc));
      }
    }
    file.instructions.push_back(std::move(instruction));
  }
  return file;
}

}  // namespace hpc::dockerfile
