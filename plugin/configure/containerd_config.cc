#include "plugin/configure/containerd_config.h"

// Header-only, so the same code builds for Windows from the headers alone.
#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_WINDOWS_COMPAT 0
#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace hpc::configure {
namespace {

// A TOML string holding `s`: a literal string when that needs no escape
// (Windows paths: '\\.\pipe\hpc-content'), else a basic one.
std::string TomlString(const std::string& s) {
  if (s.find('\\') != std::string::npos &&
      s.find_first_of("'\n\r") == std::string::npos) {
    return absl::StrCat("'", s, "'");
  }
  return absl::StrCat(
      "\"", absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

// Byte offsets of toml++'s 1-based line and column (in code points).
class Positions {
 public:
  explicit Positions(std::string_view text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') line_starts_.push_back(i + 1);
    }
  }
  size_t Offset(const toml::source_position& p) const {
    size_t line = std::min<size_t>(p.line, line_starts_.size());
    size_t at = line_starts_[line == 0 ? 0 : line - 1];
    for (toml::source_index column = 1; column < p.column && at < text_.size();
         ++column) {
      ++at;  // past the code point's first byte, then its continuation bytes
      while (at < text_.size() &&
             (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80) {
        ++at;
      }
    }
    return at;
  }
  // The offset just past the end of `line` (its newline included).
  size_t EndOfLine(toml::source_index line) const {
    if (line >= line_starts_.size()) return text_.size();
    return line_starts_[line];
  }

 private:
  std::string_view text_;
  std::vector<size_t> line_starts_;
};

// Replacements and insertions in the original text, applied back to front;
// of two insertions at one place, the one made first comes first.
struct Splice {
  size_t begin, end;
  std::string with;
};

std::string Apply(std::string text, std::vector<Splice> splices) {
  std::reverse(splices.begin(), splices.end());
  std::stable_sort(
      splices.begin(), splices.end(),
      [](const Splice& a, const Splice& b) { return a.begin > b.begin; });
  for (const Splice& s : splices) {
    text.replace(s.begin, s.end - s.begin, s.with);
  }
  return text;
}

std::string At(const std::string& source, const toml::node& node) {
  return absl::StrCat(source, ":", node.source().begin.line);
}

absl::Status Refuse(std::string why) {
  return absl::InvalidArgumentError(absl::StrCat(why, "; nothing was written"));
}

absl::StatusOr<toml::table> Parse(const std::string& text,
                                  const std::string& source) {
  toml::parse_result parsed =
      toml::parse(std::string_view(text), std::string_view(source));
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    return Refuse(
        absl::StrCat(source, ":", error.source().begin.line, ":",
                     error.source().begin.column,
                     ": not valid TOML: ", std::string(error.description())));
  }
  return std::move(parsed).table();
}

std::string ArrayText(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& item : items) quoted.push_back(TomlString(item));
  return absl::StrCat("[", absl::StrJoin(quoted, ", "), "]");
}

}  // namespace

absl::StatusOr<ConfigEdit> AddContentProxy(const std::string& text,
                                           const std::string& source,
                                           const ContentProxy& proxy) {
  auto parsed = Parse(text, source);
  if (!parsed.ok()) return parsed.status();
  const toml::table& config = *parsed;
  const Positions positions(text);
  ConfigEdit edit;
  std::vector<Splice> splices;
  std::string prelude;  // what goes before everything, for an empty config

  // The version: containerd reads a config without one as version 1.
  const toml::node* version = config.get("version");
  if (version == nullptr) {
    if (!config.empty()) {
      return Refuse(absl::StrCat(
          source,
          " has no version, so containerd reads it as version 1, which "
          "this command does not edit: give it version = 2 (containerd "
          "1.6 and later), or convert it with containerd config migrate"));
    }
    edit.version = 2;
    prelude = "version = 2\n";
    edit.changes.push_back("version = 2 (the file was empty)");
  } else {
    std::optional<int64_t> v = version->value<int64_t>();
    if (!v || *v < 2 || *v > 4) {
      return Refuse(absl::StrCat(At(source, *version),
                                 ": config version must be 2, 3 or 4"));
    }
    edit.version = static_cast<int>(*v);
  }

  // The built-in content store, disabled.
  const toml::node* disabled = config.get("disabled_plugins");
  if (disabled == nullptr) {
    std::string line = absl::StrCat(
        "disabled_plugins = ", ArrayText({kBuiltinContentPlugin}), "\n");
    if (version == nullptr) {
      prelude += line;
    } else {
      // Right after the version line: still among the top-level keys.
      size_t at = positions.EndOfLine(version->source().end.line);
      if (at == text.size() && !text.empty() && text.back() != '\n') {
        line = "\n" + line;
      }
      splices.push_back({at, at, line});
    }
    edit.changes.push_back(
        absl::StrCat("disabled_plugins = [\"", kBuiltinContentPlugin, "\"]"));
  } else {
    const toml::array* list = disabled->as_array();
    if (list == nullptr) {
      return Refuse(absl::StrCat(At(source, *disabled),
                                 ": disabled_plugins is not a list"));
    }
    std::vector<std::string> items;
    bool present = false;
    for (const toml::node& item : *list) {
      std::optional<std::string> name = item.value<std::string>();
      if (!name) {
        return Refuse(absl::StrCat(At(source, item),
                                   ": disabled_plugins holds a non-string"));
      }
      present = present || *name == kBuiltinContentPlugin;
      items.push_back(*name);
    }
    if (!present) {
      items.push_back(kBuiltinContentPlugin);
      splices.push_back({positions.Offset(list->source().begin),
                         positions.Offset(list->source().end),
                         ArrayText(items)});
      edit.changes.push_back(absl::StrCat("disabled_plugins gains \"",
                                          kBuiltinContentPlugin, "\""));
    }
  }

  // The proxy: ours, and no other content proxy.
  const std::string exports_line =
      absl::StrCat("exports = { root = ", TomlString(proxy.root), " }");
  const toml::table* ours = nullptr;
  if (const toml::node* proxies = config.get("proxy_plugins")) {
    const toml::table* table = proxies->as_table();
    if (table == nullptr) {
      return Refuse(
          absl::StrCat(At(source, *proxies), ": proxy_plugins is not a table"));
    }
    for (const auto& [name, plugin] : *table) {
      const toml::table* p = plugin.as_table();
      std::string type = p != nullptr
                             ? p->get_as<std::string>("type") != nullptr
                                   ? p->get_as<std::string>("type")->get()
                                   : ""
                             : "";
      if (std::string(name.str()) == proxy.name) {
        if (p == nullptr || type != "content") {
          return Refuse(absl::StrCat(
              At(source, plugin), ": [proxy_plugins.", proxy.name,
              "] is there but is not a content proxy; remove it or choose "
              "another name"));
        }
        ours = p;
      } else if (type == "content") {
        const auto* address = p->get_as<std::string>("address");
        return Refuse(absl::StrCat(
            At(source, plugin), ": [proxy_plugins.", std::string(name.str()),
            "] is another content proxy",
            address != nullptr ? absl::StrCat(" (at ", address->get(), ")")
                               : "",
            "; containerd serves one content store, so remove it first"));
      }
    }
  }
  if (ours == nullptr) {
    std::string section = absl::StrCat(
        text.empty() || text.back() == '\n' ? "" : "\n",
        text.empty() ? "" : "\n",
        "# containerd's only content store: hpc-content-plugin\n",
        "[proxy_plugins.", proxy.name, "]\n", "  type = \"content\"\n",
        "  address = ", TomlString(proxy.address), "\n",
        edit.version >= 3 ? absl::StrCat("  ", exports_line, "\n") : "");
    splices.push_back({text.size(), text.size(), section});
    edit.changes.push_back(absl::StrCat(
        "[proxy_plugins.", proxy.name,
        "] type = \"content\", address = ", TomlString(proxy.address),
        edit.version >= 3 ? absl::StrCat(", ", exports_line) : ""));
  } else {
    const toml::node* address = ours->get("address");
    if (address == nullptr || !address->is_string()) {
      return Refuse(absl::StrCat(At(source, *ours), ": [proxy_plugins.",
                                 proxy.name, "] has no address string"));
    }
    if (address->value<std::string>() != proxy.address) {
      splices.push_back({positions.Offset(address->source().begin),
                         positions.Offset(address->source().end),
                         TomlString(proxy.address)});
      edit.changes.push_back(
          absl::StrCat("[proxy_plugins.", proxy.name, "] address ",
                       TomlString(*address->value<std::string>()), " -> ",
                       TomlString(proxy.address)));
    }
    if (edit.version >= 3) {
      const toml::node* exports = ours->get("exports");
      const toml::node* root = exports != nullptr && exports->is_table()
                                   ? exports->as_table()->get("root")
                                   : nullptr;
      if (root != nullptr && root->value<std::string>() == proxy.root) {
        // exported already
      } else if (root != nullptr && root->is_string()) {
        splices.push_back({positions.Offset(root->source().begin),
                           positions.Offset(root->source().end),
                           TomlString(proxy.root)});
        edit.changes.push_back(absl::StrCat("[proxy_plugins.", proxy.name,
                                            "] exports.root -> ",
                                            TomlString(proxy.root)));
      } else if (exports == nullptr) {
        // On the line after the address, in the same table.
        size_t at = positions.EndOfLine(address->source().end.line);
        splices.push_back({at, at, absl::StrCat("  ", exports_line, "\n")});
        edit.changes.push_back(
            absl::StrCat("[proxy_plugins.", proxy.name, "] ", exports_line));
      } else {
        return Refuse(absl::StrCat(
            At(source, *exports), ": [proxy_plugins.", proxy.name,
            "] has exports without a root string; set exports.root to ",
            TomlString(proxy.root)));
      }
    }
  }

  if (edit.changes.empty()) {
    edit.text = text;
    return edit;
  }
  edit.text = prelude + Apply(text, std::move(splices));
  // The result must read back as intended, or nothing is written.
  auto check = Parse(edit.text, source);
  if (!check.ok()) {
    return Refuse(absl::StrCat(
        "editing ", source, " would leave it unreadable (",
        check.status().message(),
        "); add the proxy by hand: disabled_plugins = [\"",
        kBuiltinContentPlugin, "\"] and [proxy_plugins.", proxy.name,
        "] with type = \"content\" and address = ", TomlString(proxy.address)));
  }
  const toml::table& after = *check;
  const bool disabled_ok = [&] {
    const toml::array* list = after["disabled_plugins"].as_array();
    if (list == nullptr) return false;
    return std::any_of(list->begin(), list->end(), [](const toml::node& n) {
      return n.value<std::string>() == kBuiltinContentPlugin;
    });
  }();
  const bool proxy_ok =
      after["proxy_plugins"][proxy.name]["type"].value<std::string>() ==
          "content" &&
      after["proxy_plugins"][proxy.name]["address"].value<std::string>() ==
          proxy.address;
  if (!disabled_ok || !proxy_ok) {
    return Refuse(absl::StrCat("editing ", source,
                               " did not give the intended settings; add the "
                               "proxy by hand"));
  }
  return edit;
}

}  // namespace hpc::configure
