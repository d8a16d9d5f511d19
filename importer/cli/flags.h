// Command-line flags in the style of containerd's and Docker's tools:
// --name VALUE, --name=VALUE, -n VALUE, repeatable flags, booleans, "--" to
// end flags, and a --help that lists every flag with its default.
//
// (abseil's flags are process-global and have neither short names nor
// per-command sets, which hpcimg's subcommands need.)
#ifndef HPC_IMPORTER_CLI_FLAGS_H_
#define HPC_IMPORTER_CLI_FLAGS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace hpc::cli {

class FlagSet {
 public:
  // `command` names the program or subcommand in messages; `usage` is the
  // text --help prints above the flags.
  FlagSet(std::string command, std::string usage);

  // Each flag writes into `*target`, which must outlive Parse; its current
  // value is the default. `name` may be "name" or "name,n" for a short alias.
  void String(absl::string_view name, std::string* target, std::string help,
              std::string value_name = "VALUE");
  void Strings(absl::string_view name, std::vector<std::string>* target,
               std::string help, std::string value_name = "VALUE");
  void Bool(absl::string_view name, bool* target, std::string help);
  void Int(absl::string_view name, int64_t* target, std::string help,
           std::string value_name = "N");

  // Parses `args` (without the program name) and returns the positional
  // arguments. InvalidArgument names the flag and what is wrong with it.
  // --help / -h stops parsing and sets help_requested().
  absl::StatusOr<std::vector<std::string>> Parse(
      const std::vector<std::string>& args);

  bool help_requested() const { return help_requested_; }
  std::string Help() const;
  const std::string& command() const { return command_; }

 private:
  enum class Kind { kString, kStrings, kBool, kInt };
  struct Flag {
    std::string name;
    char short_name = 0;
    Kind kind;
    void* target;
    std::string help;
    std::string value_name;
    std::string default_text;
  };
  void Add(absl::string_view name, Kind kind, void* target, std::string help,
           std::string value_name, std::string default_text);
  const Flag* Find(absl::string_view name) const;
  const Flag* FindShort(char c) const;
  absl::Status Set(const Flag& flag, absl::string_view value);

  std::string command_;
  std::string usage_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace hpc::cli

#endif  // HPC_IMPORTER_CLI_FLAGS_H_
