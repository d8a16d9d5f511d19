// hpcimg import: archives and registry images into containerd.
#include "importer/cli/commands/commands.h"
#include "importer/cli/commands/command_flags.h"

namespace hpc::cli::commands {

int Import(const std::vector<std::string>& args) {
  hpc::copy::ImportOptions options;
  std::string platform;
  bool no_unpack = false, no_cri_refs = false, json = false, quiet = false;
  ContainerdFlags containerd;
  ArchiveLimitFlags limit_flags;
  FlagSet flags("hpcimg import",
                R"(Usage: hpcimg import [flags] ARCHIVE|docker://REF...

Imports the images of each ARCHIVE (docker save output, legacy layouts
included, or an OCI archive; plain, gzip or zstd) into containerd as single
manifests without platform data, and unpacks them into the snapshotter.
An index becomes the manifest --platform picks (default: the Windows one
with the highest os.version). Importing the same archive again changes
nothing. An ARCHIVE of - is read from standard input, e.g.
  skopeo copy docker://IMAGE docker-archive:/dev/stdout | hpcimg import -
An ARCHIVE of docker://HOST/REPO[:TAG] pulls that image from its registry
straight into containerd, the same way.
)");
  flags.String("name", &options.name,
               "name of the image (for an archive of one image)", "NAME");
  flags.String("platform", &platform,
               "manifest to take from an index: os/arch[:os.version prefix]",
               "PLATFORM");
  flags.Bool("keep-index", &options.keep_index,
             "import an index as it is; the manifest --platform picks (or the "
             "default one) is unpacked");
  flags.Bool("strip-os-version", &options.rewrite.strip_os_version,
             "also remove os.version from the config");
  flags.Bool("no-unpack", &no_unpack, "do not unpack into the snapshotter");
  flags.String("snapshotter", &options.snapshotter,
               "snapshotter to unpack into", "NAME");
  containerd.Add(flags);
  limit_flags.Add(flags);
  flags.Bool("no-cri-refs", &no_cri_refs,
             "in k8s.io, create only the named image record");
  flags.Bool("pin", &options.pin,
             "label the records io.cri-containerd.pinned=pinned, so kubelet's "
             "image garbage collection keeps the image");
  flags.String(
      "plugin-address", &options.plugin_address,
      "write blobs straight into hpc-content-plugin at this socket; containerd "
      "then registers them without their bytes",
      "SOCKET");
  RegistryFlags registry;
  registry.Add(flags);
  std::string lease_expiry = "1h";
  flags.String("lease-expiry", &lease_expiry,
               "if hpcimg dies mid-way, containerd keeps what it wrote for "
               "this long (e.g. 30m, 1h)",
               "DURATION");
  flags.Bool("json", &json, "print a machine-readable summary");
  flags.Bool("quiet,q", &quiet, "print nothing on success");
  auto parsed = Parse(flags, args, 1, SIZE_MAX);
  if (auto* code = std::get_if<int>(&parsed)) return *code;
  const auto& archives = std::get<std::vector<std::string>>(parsed);
  if (!platform.empty()) {
    auto p = hpc::rewrite::Platform::Parse(platform);
    if (!p.ok()) return ReportError(kProgram, p.status());
    options.rewrite.platform = *p;
  }
  if (!absl::ParseDuration(lease_expiry, &options.lease_expiry) ||
      options.lease_expiry <= absl::ZeroDuration()) {
    return ReportError(kProgram, absl::InvalidArgumentError(absl::StrCat(
                                     "--lease-expiry \"", lease_expiry,
                                     "\": expected a duration such as 30m")));
  }
  auto limits = limit_flags.Limits();
  if (!limits.ok()) return ReportError(kProgram, limits.status());
  options.archive_limits = *limits;
  options.unpack = !no_unpack;
  options.cri_records = !no_cri_refs;
  options.containerd_address = containerd.address;
  options.containerd_namespace = containerd.ns;
  hpc::cli::TerminalProgress progress;
  if (!json && !quiet && hpc::cli::TerminalProgress::Available()) {
    options.progress = progress.Callback();
  }

  if (std::count(archives.begin(), archives.end(), "-") > 1) {
    return ReportError(kProgram,
                       absl::InvalidArgumentError(
                           "- (standard input) can be given only once"));
  }

  auto registry_options = registry.Options();
  if (!registry_options.ok())
    return ReportError(kProgram, registry_options.status());
  hpc::oci::Json summary = hpc::oci::Json::array();
  for (const std::string& archive : archives) {
    // Standard input is spooled to a private file first, which goes when
    // the import is done (or fails).
    std::optional<ScratchDirectory> spool;
    std::string path = archive;
    if (archive == "-") {
      if (isatty(STDIN_FILENO) == 1) {
        return ReportError(
            kProgram, absl::InvalidArgumentError(
                          "- reads an archive from standard input, which is a "
                          "terminal: pipe one in"));
      }
      spool.emplace("import");
      if (spool->path().empty()) {
        return ReportError(
            kProgram,
            absl::InternalError("no private directory for standard input in "
                                "the temporary directory"));
      }
      path = spool->path() + "/stdin.tar";
      absl::Status spooled =
          hpc::archive::SpoolStream(stdin, "standard input", path,
                                    options.archive_limits.max_total_bytes);
      if (!spooled.ok()) return ReportError(kProgram, spooled);
    }
    // Messages name standard input as the user did.
    auto as_given = [&](absl::string_view text) {
      return archive == "-" ? absl::StrReplaceAll(text, {{path, "-"}})
                            : std::string(text);
    };
    absl::StatusOr<std::vector<hpc::copy::ImportedImage>> imported;
    if (absl::StartsWith(archive, "docker://")) {
      // Pulled straight from the registry into containerd.
      auto reference = hpc::transport::Reference::Parse(archive);
      if (!reference.ok()) return ReportError(kProgram, reference.status());
      hpc::copy::SourceOptions source_options;
      source_options.registry = *registry_options;
      auto source = hpc::copy::OpenSource(*reference, source_options);
      if (!source.ok()) return ReportError(kProgram, source.status());
      auto one = hpc::copy::ImportImage(**source, options);
      if (one.ok()) {
        imported = std::vector<hpc::copy::ImportedImage>{std::move(*one)};
      } else {
        imported = one.status();
      }
    } else {
      imported = hpc::copy::ImportArchive(path, options);
    }
    if (!imported.ok()) {
      return ReportError(kProgram,
                         absl::Status(imported.status().code(),
                                      as_given(imported.status().message())));
    }
    for (auto& image : *imported) {
      image.archive = as_given(image.archive);
      for (std::string& warning : image.warnings) warning = as_given(warning);
      for (const std::string& warning : image.warnings) {
        std::cerr << kProgram << ": warning: " << warning << "\n";
      }
      summary.push_back({{"archive", image.archive},
                         {"digest", image.root.digest.str()},
                         {"mediaType", image.root.media_type},
                         {"records", image.records},
                         {"changes", image.changes},
                         {"blobs", image.blobs},
                         {"blobsWritten", image.blobs_written},
                         {"blobsRegistered", image.blobs_registered},
                         {"blobsToPlugin", image.blobs_to_plugin},
                         {"unpacked",
                          {{"chainID", image.unpacked.chain_id},
                           {"applied", image.unpacked.layers_applied},
                           {"present", image.unpacked.layers_present}}},
                         {"changed", image.changed}});
      if (!json && !quiet) {
        std::cout << "imported " << image.archive << "\n  digest "
                  << image.root.digest.str() << "\n";
        for (const std::string& change : image.changes)
          std::cout << "  " << change << "\n";
        for (const std::string& record : image.records)
          std::cout << "  name   " << record << "\n";
        if (!image.unpacked.chain_id.empty()) {
          std::cout << "  unpacked " << image.unpacked.chain_id << " ("
                    << image.unpacked.layers_applied << " applied, "
                    << image.unpacked.layers_present << " already there)\n";
        }
        if (!image.changed) std::cout << "  (already there: nothing changed)\n";
      }
    }
  }
  if (json) std::cout << summary.dump(2) << "\n";
  return kExitOk;
}

}  // namespace hpc::cli::commands
