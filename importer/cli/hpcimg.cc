// hpcimg: moves HostProcess images between transports and into containerd.
// Parses the command line and calls the importer's libraries.
#include <unistd.h>

#include <iostream>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "importer/cli/exit_status.h"
#include "importer/cli/flags.h"
#include "importer/containerd/connection.h"
#include "importer/copy/copy_image.h"
#include "importer/inspect/describe.h"
#include "importer/log/log.h"
#include "importer/transport/reference.h"

namespace {

using hpc::cli::FlagSet;
using hpc::cli::kExitOk;
using hpc::cli::kExitUsage;
using hpc::cli::ReportError;

constexpr char kProgram[] = "hpcimg";

constexpr char kUsage[] =
    R"(hpcimg moves Windows HostProcess container images into containerd, as
single manifests without platform data (see containerd issue 7431).

Usage: hpcimg COMMAND [flags] [arguments]

Commands:
  copy SRC DEST    copy an image between transports
  inspect SRC      describe an image
  version          print the version

Transports:
  base:[VERSION]              the HostProcess base image, generated here
  oci:DIR[:TAG]               an OCI image layout directory
  oci-archive:FILE[:TAG]      a tar of an OCI image layout
  docker-archive:FILE[:REF]   a `docker save` tarball
  containerd:NAME             an image in containerd (--address, --namespace)

Run 'hpcimg COMMAND --help' for a command's flags.
)";

struct ContainerdFlags {
  std::string address = hpc::containerd::kDefaultAddress;
  std::string ns = hpc::containerd::kDefaultNamespace;
  void Add(FlagSet& flags) {
    flags.String("address", &address, "containerd's socket", "SOCKET");
    flags.String("namespace", &ns, "containerd namespace", "NS");
  }
};

// Parses `args` with `flags`; returns the positional arguments, or an exit
// code to return right away (help or a usage error).
std::variant<std::vector<std::string>, int> Parse(
    FlagSet& flags, const std::vector<std::string>& args, size_t positional) {
  auto parsed = flags.Parse(args);
  if (!parsed.ok()) return ReportError(kProgram, parsed.status());
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return kExitOk;
  }
  if (parsed->size() != positional) {
    std::cerr << kProgram << ": " << flags.command() << " takes " << positional
              << " argument" << (positional == 1 ? "" : "s") << ", got "
              << parsed->size() << "; see " << flags.command() << " --help\n";
    return kExitUsage;
  }
  return *parsed;
}

absl::StatusOr<hpc::oci::MediaTypeFormat> ParseFormat(
    const std::string& format) {
  if (format == "oci") return hpc::oci::MediaTypeFormat::kOci;
  if (format == "docker") return hpc::oci::MediaTypeFormat::kDocker;
  return absl::InvalidArgumentError(
      absl::StrCat("--format \"", format, "\": expected oci or docker"));
}

// The image named by a SRC argument; --format applies to base:.
absl::StatusOr<std::unique_ptr<hpc::image::ImageSource>> OpenSourceArgument(
    const std::string& text, const std::string& format,
    const ContainerdFlags& containerd) {
  auto media = ParseFormat(format);
  if (!media.ok()) return media.status();
  auto reference = hpc::transport::Reference::Parse(text);
  if (!reference.ok()) return reference.status();
  return hpc::copy::OpenSource(*reference,
                               {*media, containerd.address, containerd.ns});
}

int Copy(const std::vector<std::string>& args) {
  std::string format = "oci";
  bool force = false, no_cri_refs = false, quiet = false, json = false;
  ContainerdFlags containerd;
  FlagSet flags("hpcimg copy", R"(Usage: hpcimg copy [flags] SRC DEST

Copies the image SRC to DEST, e.g.
  hpcimg copy base: oci-archive:hostprocess-base.tar
  hpcimg copy base: containerd:mcr.microsoft.com/oss/kubernetes/windows-host-process-containers-base-image:v1.0.0

In containerd's k8s.io namespace the image also gets the records CRI keeps
(REPO@DIGEST and the image ID), so kubelet sees it as pulled.
)");
  flags.String("format", &format,
               "media types of a generated base image: oci or docker",
               "FORMAT");
  flags.Bool("force", &force,
             "replace an existing destination file or layout entry");
  containerd.Add(flags);
  flags.Bool("no-cri-refs", &no_cri_refs,
             "in k8s.io, create only the named image record");
  flags.Bool("json", &json, "print a machine-readable summary");
  flags.Bool("quiet,q", &quiet, "print nothing on success");
  auto parsed = Parse(flags, args, 2);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);

  auto dest = hpc::transport::Reference::Parse(positional[1]);
  if (!dest.ok()) return ReportError(kProgram, dest.status());
  auto source = OpenSourceArgument(positional[0], format, containerd);
  if (!source.ok()) return ReportError(kProgram, source.status());
  hpc::copy::DestinationOptions options;
  options.force = force;
  options.containerd_address = containerd.address;
  options.containerd_namespace = containerd.ns;
  options.cri_records = !no_cri_refs;
  auto report = hpc::copy::WriteImage(**source, *dest, options);
  if (!report.ok()) return ReportError(kProgram, report.status());
  if (json) {
    hpc::oci::Json out = {{"source", report->source},
                          {"destination", report->destination},
                          {"digest", report->root.digest.str()},
                          {"mediaType", report->root.media_type},
                          {"names", report->names},
                          {"blobs", report->blobs},
                          {"blobsWritten", report->blobs_written},
                          {"changed", report->changed}};
    std::cout << out.dump(2) << "\n";
  } else if (!quiet) {
    std::cout << "copied " << report->source << " to " << report->destination
              << "\n"
              << "  digest " << report->root.digest.str() << " ("
              << report->root.media_type << ")\n";
    for (const std::string& name : report->names)
      std::cout << "  name   " << name << "\n";
    if (!report->changed) std::cout << "  (already there: nothing changed)\n";
  }
  return kExitOk;
}

int Inspect(const std::vector<std::string>& args) {
  bool json = false;
  std::string format = "oci";
  ContainerdFlags containerd;
  FlagSet flags("hpcimg inspect", R"(Usage: hpcimg inspect [flags] SRC

Describes the image SRC: its manifest or index, platforms, config and layers.
)");
  flags.Bool("json", &json, "print JSON");
  containerd.Add(flags);
  flags.String("format", &format,
               "media types of a generated base image: oci or docker",
               "FORMAT");
  auto parsed = Parse(flags, args, 1);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& positional = std::get<std::vector<std::string>>(parsed);
  auto source = OpenSourceArgument(positional[0], format, containerd);
  if (!source.ok()) return ReportError(kProgram, source.status());
  auto description = hpc::inspect::Describe(**source);
  if (!description.ok()) return ReportError(kProgram, description.status());
  std::cout << (json ? description->dump(2) + "\n"
                     : hpc::inspect::FormatDescription(*description));
  return kExitOk;
}

int Version(const std::vector<std::string>& args) {
  FlagSet flags("hpcimg version",
                "Usage: hpcimg version\n\nPrints the version.\n");
  auto parsed = Parse(flags, args, 0);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  std::cout << "hpcimg " << HPC_VERSION << "\n";
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "copy") return Copy(args);
  if (command == "inspect") return Inspect(args);
  if (command == "version" || command == "--version") return Version(args);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return kExitOk;
  }
  std::cerr << kProgram << ": unknown command \"" << command
            << "\"; see hpcimg --help\n";
  return kExitUsage;
}
