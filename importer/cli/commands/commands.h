// hpcimg's commands, one file each, as ctr keeps its commands: each takes
// the arguments after its name and returns the process's exit code.
#ifndef HPC_IMPORTER_CLI_COMMANDS_COMMANDS_H_
#define HPC_IMPORTER_CLI_COMMANDS_COMMANDS_H_

#include <string>
#include <vector>

namespace hpc::cli::commands {

int Copy(const std::vector<std::string>& args);
int Inspect(const std::vector<std::string>& args);
int Explain(const std::vector<std::string>& args);
int Build(const std::vector<std::string>& args);
int Import(const std::vector<std::string>& args);
int Version(const std::vector<std::string>& args);

}  // namespace hpc::cli::commands

#endif  // HPC_IMPORTER_CLI_COMMANDS_COMMANDS_H_
