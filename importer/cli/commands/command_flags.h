// What hpcimg's commands share: the flags that name containerd, archive
// limits, registries and source images; parsing a command's arguments; a
// scratch directory that goes away with the command.
#ifndef HPC_IMPORTER_CLI_COMMANDS_COMMAND_FLAGS_H_
#define HPC_IMPORTER_CLI_COMMANDS_COMMAND_FLAGS_H_

#include <unistd.h>
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <variant>
#include <vector>
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "importer/archive/stream_spool.h"
#include "importer/base/base_image.h"
#include "importer/dockerfile/image_builder.h"
#ifdef HPC_HAVE_LINUX_STAGES
#include "importer/runtime/interrupt.h"
#endif
#include "importer/cli/byte_size.h"
#include "importer/cli/exit_status.h"
#include "importer/cli/flags.h"
#include "importer/cli/progress.h"
#include "importer/cli/registry_flags.h"
#include "importer/containerd/connection.h"
#include "importer/copy/copy_image.h"
#include "importer/copy/import_archive.h"
#include "importer/explain/explain.h"
#include "importer/explain/explanation_format.h"
#include "importer/inspect/describe.h"
#include "importer/log/log.h"
#include "importer/rewrite/platform.h"
#include "importer/rewrite/rewrite.h"
#include "importer/transport/reference.h"
#include "importer/unpack/unpack.h"

namespace hpc::cli::commands {

inline constexpr char kProgram[] = "hpcimg";

struct ContainerdFlags {
  std::string address = hpc::containerd::DefaultContainerdAddress();
  std::string ns = hpc::containerd::kDefaultNamespace;
  void Add(FlagSet& flags) {
    flags.String("address", &address, "containerd's socket", "SOCKET");
    flags.String("namespace", &ns, "containerd namespace", "NS");
  }
};

// Bounds on what an archive may unpack to (decompression bombs).
struct ArchiveLimitFlags {
  std::string max_entry_size = "64GiB";
  std::string max_archive_size = "256GiB";
  int64_t max_entries = hpc::archive::ArchiveLimits().max_entries;
  void Add(FlagSet& flags) {
    flags.String("max-entry-size", &max_entry_size,
                 "refuse archives with an entry larger than this", "SIZE");
    flags.String("max-archive-size", &max_archive_size,
                 "refuse archives larger than this once decompressed", "SIZE");
    flags.Int("max-archive-entries", &max_entries,
              "refuse archives with more entries than this");
  }
  absl::StatusOr<hpc::archive::ArchiveLimits> Limits() const {
    hpc::archive::ArchiveLimits limits;
    auto entry = hpc::cli::ParseByteSize(max_entry_size, "max-entry-size");
    if (!entry.ok()) return entry.status();
    auto total = hpc::cli::ParseByteSize(max_archive_size, "max-archive-size");
    if (!total.ok()) return total.status();
    if (max_entries <= 0) {
      return absl::InvalidArgumentError(
          "--max-archive-entries: expected a positive number");
    }
    limits.max_entry_bytes = *entry;
    limits.max_total_bytes = *total;
    limits.max_entries = max_entries;
    return limits;
  }
};

// Parses `args` with `flags`; returns the positional arguments, or an exit
// code to return right away (help or a usage error).
inline std::variant<std::vector<std::string>, int> Parse(
    FlagSet& flags, const std::vector<std::string>& args, size_t min_positional,
    size_t max_positional) {
  auto parsed = flags.Parse(args);
  if (!parsed.ok()) return ReportError(kProgram, parsed.status());
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return kExitOk;
  }
  if (parsed->size() < min_positional || parsed->size() > max_positional) {
    std::cerr << kProgram << ": " << flags.command() << " takes "
              << (min_positional == max_positional
                      ? std::to_string(min_positional)
                      : absl::StrCat("at least ", min_positional))
              << " argument" << (min_positional == 1 ? "" : "s") << ", got "
              << parsed->size() << "; see " << flags.command() << " --help\n";
    return kExitUsage;
  }
  return *parsed;
}

inline std::variant<std::vector<std::string>, int> Parse(
    FlagSet& flags, const std::vector<std::string>& args, size_t positional) {
  return Parse(flags, args, positional, positional);
}

inline absl::StatusOr<hpc::oci::MediaTypeFormat> ParseFormat(
    const std::string& format) {
  if (format == "oci") return hpc::oci::MediaTypeFormat::kOci;
  if (format == "docker") return hpc::oci::MediaTypeFormat::kDocker;
  return absl::InvalidArgumentError(
      absl::StrCat("--format \"", format, "\": expected oci or docker"));
}

// The flags of every command that reads a source image: containerd's
// address for containerd:, the archive limits, --format for base:, the
// registry's credentials and TLS for docker://.
struct SourceFlags {
  std::string format = "oci";
  ContainerdFlags containerd;
  ArchiveLimitFlags archives;
  RegistryFlags registry;
  void Add(FlagSet& flags) {
    containerd.Add(flags);
    archives.Add(flags);
    registry.Add(flags);
    flags.String("format", &format,
                 "media types of a generated base image: oci or docker",
                 "FORMAT");
  }
  // The image a SRC argument names.
  absl::StatusOr<std::unique_ptr<hpc::image::ImageSource>> Open(
      const std::string& text) const {
    auto media = ParseFormat(format);
    if (!media.ok()) return media.status();
    auto limits = archives.Limits();
    if (!limits.ok()) return limits.status();
    auto reference = hpc::transport::Reference::Parse(text);
    if (!reference.ok()) return reference.status();
    hpc::copy::SourceOptions options;
    options.format = *media;
    options.containerd_address = containerd.address;
    options.containerd_namespace = containerd.ns;
    options.archive_limits = *limits;
    if (reference->transport == hpc::transport::Transport::kDocker) {
      auto registry_options = registry.Options();
      if (!registry_options.ok()) return registry_options.status();
      options.registry = *registry_options;
    }
    return hpc::copy::OpenSource(*reference, options);
  }
};

class ScratchDirectory {
 public:
  // `purpose` names it: hpcimg-PURPOSE-XXXXXXXX.
  explicit ScratchDirectory(absl::string_view purpose) {
    std::error_code ec;
    std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    if (ec) tmp = std::filesystem::current_path();
    std::random_device random;
    for (int attempt = 0; attempt < 100 && path_.empty(); ++attempt) {
      std::filesystem::path candidate =
          tmp / absl::StrFormat("hpcimg-%s-%08x", purpose, random());
      if (std::filesystem::create_directory(candidate, ec)) {
        std::filesystem::permissions(candidate,
                                     std::filesystem::perms::owner_all, ec);
        path_ = candidate.string();
      }
    }
  }
  ~ScratchDirectory() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace hpc::cli::commands

#endif  // HPC_IMPORTER_CLI_COMMANDS_COMMAND_FLAGS_H_
