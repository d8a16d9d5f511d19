// hpcimg version.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

int Version(const std::vector<std::string>& args) {
  FlagSet flags("hpcimg version",
                "Usage: hpcimg version\n\nPrints the version.\n");
  auto parsed = Parse(flags, args, 0);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  std::cout << "hpcimg " << HPC_VERSION << "\n";
  return kExitOk;
}

}  // namespace hpc::cli::commands
