#include "importer/cli/flags.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hpc::cli {

FlagSet::FlagSet(std::string command, std::string usage)
    : command_(std::move(command)), usage_(std::move(usage)) {}

void FlagSet::Add(absl::string_view name, Kind kind, void* target,
                  std::string help, std::string value_name,
                  std::string default_text) {
  Flag flag;
  std::vector<std::string> names = absl::StrSplit(name, ',');
  flag.name = names[0];
  if (names.size() > 1 && names[1].size() == 1) flag.short_name = names[1][0];
  flag.kind = kind;
  flag.target = target;
  flag.help = std::move(help);
  flag.value_name = std::move(value_name);
  flag.default_text = std::move(default_text);
  flags_.push_back(std::move(flag));
}

void FlagSet::String(absl::string_view name, std::string* target,
                     std::string help, std::string value_name) {
  Add(name, Kind::kString, target, std::move(help), std::move(value_name),
      target->empty() ? "" : absl::StrCat("\"", *target, "\""));
}

void FlagSet::Strings(absl::string_view name, std::vector<std::string>* target,
                      std::string help, std::string value_name) {
  Add(name, Kind::kStrings, target, std::move(help), std::move(value_name), "");
}

void FlagSet::Bool(absl::string_view name, bool* target, std::string help) {
  Add(name, Kind::kBool, target, std::move(help), "", *target ? "true" : "");
}

void FlagSet::Int(absl::string_view name, int64_t* target, std::string help,
                  std::string value_name) {
  Add(name, Kind::kInt, target, std::move(help), std::move(value_name),
      absl::StrCat(*target));
}

const FlagSet::Flag* FlagSet::Find(absl::string_view name) const {
  for (const Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

const FlagSet::Flag* FlagSet::FindShort(char c) const {
  for (const Flag& flag : flags_) {
    if (flag.short_name == c) return &flag;
  }
  return nullptr;
}

absl::Status FlagSet::Set(const Flag& flag, absl::string_view value) {
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.target) = std::string(value);
      return absl::OkStatus();
    case Kind::kStrings:
      static_cast<std::vector<std::string>*>(flag.target)->emplace_back(value);
      return absl::OkStatus();
    case Kind::kBool: {
      std::string v = absl::AsciiStrToLower(value);
      if (v == "true" || v == "1" || v == "yes") {
        *static_cast<bool*>(flag.target) = true;
      } else if (v == "false" || v == "0" || v == "no") {
        *static_cast<bool*>(flag.target) = false;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(command_, ": --", flag.name, "=", value,
                         ": expected true or false"));
      }
      return absl::OkStatus();
    }
    case Kind::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(value, &n)) {
        return absl::InvalidArgumentError(
            absl::StrCat(command_, ": --", flag.name, " ", value,
                         ": expected a whole number"));
      }
      *static_cast<int64_t*>(flag.target) = n;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(
    const std::vector<std::string>& args) {
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return positional;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      positional.push_back(arg);
      continue;
    }
    const Flag* flag = nullptr;
    std::string shown;
    std::optional<std::string> inline_value;
    if (absl::StartsWith(arg, "--")) {
      std::string body = arg.substr(2);
      if (size_t eq = body.find('='); eq != std::string::npos) {
        inline_value = body.substr(eq + 1);
        body.resize(eq);
      }
      flag = Find(body);
      shown = "--" + body;
    } else {
      flag = FindShort(arg[1]);
      shown = arg.substr(0, 2);
      if (arg.size() > 2) {
        inline_value = arg[2] == '=' ? arg.substr(3) : arg.substr(2);
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          command_, ": unknown flag ", shown, "; see ", command_, " --help"));
    }
    if (flag->kind == Kind::kBool && !inline_value.has_value()) {
      *static_cast<bool*>(flag->target) = true;
      continue;
    }
    if (!inline_value.has_value()) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat(command_, ": flag ", shown, " needs a value (",
                         flag->value_name, ")"));
      }
      inline_value = args[++i];
    }
    if (absl::Status s = Set(*flag, *inline_value); !s.ok()) return s;
  }
  return positional;
}

std::string FlagSet::Help() const {
  std::string out = usage_;
  if (!absl::EndsWith(out, "\n")) out += "\n";
  if (flags_.empty()) return out;
  out += "\nFlags:\n";
  std::vector<std::pair<std::string, const Flag*>> rows;
  size_t width = 0;
  for (const Flag& flag : flags_) {
    std::string left =
        flag.short_name != 0
            ? absl::StrCat("  -", std::string(1, flag.short_name), ", --",
                           flag.name)
            : absl::StrCat("      --", flag.name);
    if (flag.kind != Kind::kBool) absl::StrAppend(&left, " ", flag.value_name);
    width = std::max(width, left.size());
    rows.emplace_back(std::move(left), &flag);
  }
  rows.emplace_back("  -h, --help", nullptr);
  width = std::max<size_t>(width, 12);
  for (const auto& [left, flag] : rows) {
    std::string help = flag == nullptr ? "show this help" : flag->help;
    if (flag != nullptr && flag->kind == Kind::kStrings)
      help += " (repeatable)";
    if (flag != nullptr && !flag->default_text.empty()) {
      absl::StrAppend(&help, " (default ", flag->default_text, ")");
    }
    absl::StrAppend(&out, left, std::string(width - left.size() + 3, ' '), help,
                    "\n");
  }
  return out;
}

}  // namespace hpc::cli
