// hpcimg: the importer and image tool. main picks the command; each
// command lives in importer/cli/commands/.
#include <iostream>
#include <string>
#include <vector>

#include "importer/cli/commands/commands.h"
#include "importer/cli/exit_status.h"

namespace {

constexpr char kUsage[] =
    R"(hpcimg builds, moves and explains Windows HostProcess container images for
containerd, as single manifests without platform data (see containerd
issue 7431).

Usage: hpcimg COMMAND [flags] [arguments]

Commands:
  import ARCHIVE.. import archives (or docker:// images) into containerd,
                   unpacked
  copy SRC DEST    copy an image between transports
  inspect SRC      describe an image
  explain SRC      which manifest each containerd pulls on Windows nodes
  build CONTEXT    build a HostProcess image from a Dockerfile, on Linux
  version          print the version

Transports:
  base:[VERSION]              the HostProcess base image, generated here
  oci:DIR[:TAG]               an OCI image layout directory
  oci-archive:FILE[:TAG]      a tar of an OCI image layout
  docker-archive:FILE[:REF]   a `docker save` tarball
  containerd:NAME             an image in containerd (--address, --namespace)
  docker://HOST/REPO[:TAG]    an image in a registry (--creds, --cert-dir,
                              --tls-verify, --plain-http); a name without a
                              host is Docker Hub's (docker.io/library/...)

Run 'hpcimg COMMAND --help' for a command's flags.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return hpc::cli::kExitUsage;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  namespace commands = hpc::cli::commands;
  if (command == "copy") return commands::Copy(args);
  if (command == "inspect") return commands::Inspect(args);
  if (command == "import") return commands::Import(args);
  if (command == "explain") return commands::Explain(args);
  if (command == "build") return commands::Build(args);
  if (command == "version" || command == "--version") return commands::Version(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return hpc::cli::kExitOk;
  }
  std::cerr << "hpcimg: unknown command \"" << command
            << "\"; see hpcimg --help\n";
  return hpc::cli::kExitUsage;
}
