// hpcimg inspect: what an image is.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

int Inspect(const std::vector<std::string>& args) {
  bool json = false;
  SourceFlags source_flags;
  FlagSet flags("hpcimg inspect", R"(Usage: hpcimg inspect [flags] SRC

Describes the image SRC: its manifest or index, platforms, config and layers.
)");
  flags.Bool("json", &json, "print JSON");
  source_flags.Add(flags);
  auto parsed = Parse(flags, args, 1);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);
  auto source = source_flags.Open(positional[0]);
  if (!source.ok()) return ReportError(kProgram, source.status());
  auto description = hpc::inspect::Describe(**source);
  if (!description.ok()) return ReportError(kProgram, description.status());
  std::cout << (json ? description->dump(2) + "\n"
                     : hpc::inspect::FormatDescription(*description));
  return kExitOk;
}

}  // namespace hpc::cli::commands
